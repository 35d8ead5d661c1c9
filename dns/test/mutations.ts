/** A valid message's bytes with some bytes overwritten and optionally cut short: the hostile inputs of the codec fuzz tests. */
export interface ByteMutation {
  at: number;
  value: number;
}

export function mutateAndCut(encoded: Uint8Array, mutations: readonly ByteMutation[], cut: number | null): Buffer {
  const buf = Buffer.from(encoded);
  for (const { at, value } of mutations) buf[at % buf.length] = value;
  return cut === null ? buf : buf.subarray(0, cut % (buf.length + 1));
}
