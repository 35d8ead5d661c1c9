/** propwatch release, reported by probes and shown by every CLI's --version. */
export const PROPWATCH_VERSION = '0.1.0';
