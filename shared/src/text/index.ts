export * from './plain-text.js';
export * from './slack-text.js';
