/**
 * Whether two status bodies say the same thing: deep equality of JSON values, ignoring the named top-level keys
 * (the status's `updatedAt` changes on every evaluation, so comparing it would make every evaluation an event).
 * Generic over the fields so a field added to Status later is compared without touching this file.
 */
type Json = unknown;

function equal(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as Json[];
    return a.length === other.length && a.every((item, index) => equal(item, other[index]));
  }
  return sameObject(a as Record<string, Json>, b as Record<string, Json>, []);
}

function sameObject(a: Record<string, Json>, b: Record<string, Json>, ignored: readonly string[]): boolean {
  // An optional field left undefined is absent from the JSON body, so it counts as missing.
  const keys = (o: Record<string, Json>) => Object.keys(o).filter((k) => o[k] !== undefined && !ignored.includes(k));
  const keysA = keys(a);
  if (keysA.length !== keys(b).length) return false;
  return keysA.every((key) => Object.hasOwn(b, key) && equal(a[key], b[key]));
}

/** `a` and `b` (JSON-shaped objects) are equal apart from the `ignored` top-level keys. */
export function sameBody(a: object, b: object, ignored: readonly string[]): boolean {
  return sameObject(a as Record<string, Json>, b as Record<string, Json>, ignored);
}
