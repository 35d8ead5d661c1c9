export * from './endpoint-list.js';
export * from './mask-url.js';
export * from './read-bounded-text.js';
