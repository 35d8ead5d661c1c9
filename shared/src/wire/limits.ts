/**
 * Bounds shared by the wire schemas. They exist so that a hostile or broken
 * probe cannot make the aggregator store absurd values: one day is far beyond
 * any propagation we would ever wait for, and 2,000 POPs is more than the
 * largest anycast networks run.
 */
export const MAX_DURATION_MS = 86_400_000;
export const MAX_POPS_PER_ROUND = 2_000;
export const MAX_COUNTER = 1_000_000_000;
/** Identifiers (probe ids, POP codes, regions): DNS-label-like, printable, short. */
export const IDENTIFIER_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$';
/** Canary serials are decimal digits; 20 digits holds any unsigned 64-bit value. */
export const SERIAL_PATTERN = '^[0-9]{1,20}$';
