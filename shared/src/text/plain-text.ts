/**
 * Text that came from outside — a probe's write error, a provider's error
 * message, a DNS server's TXT — made safe to show as one line: in a terminal,
 * a log viewer, a chat message or a status page. It cannot move the cursor,
 * clear the screen, change colours or a window title (C0/C1 controls: ESC,
 * CSI), reorder what a reader sees (bidi overrides and isolates), hide text
 * (zero-width and other format characters, tag characters, Hangul fillers),
 * start a new line that looks like one of ours (CR, LF, NEL, U+2028/2029),
 * smear over neighbouring lines (long runs of combining marks) or grow
 * without bound. What was removed stays visible as U+FFFD, so a reader can
 * tell the text was tampered with.
 */

/** Line breaks and tabs: one space each run, so the text stays one line. */
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/gu;
/**
 * Controls (C0, DEL, C1), format characters (bidi embeddings, overrides and
 * isolates, zero-width space/joiners, BOM, soft hyphen, tags), lone
 * surrogates, private use, Hangul fillers and the variation selectors
 * supplement (used to smuggle bytes invisibly).
 */
// Each code point is matched alone (u flag): the selectors in the range are meant to be found, not combined.
// eslint-disable-next-line no-misleading-character-class
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\u115f\u1160\u3164\uffa0\u{e0100}-\u{e01ef}]/gu;
/** More combining marks on one character than any script needs (Zalgo text). */
const MARK_PILES = /(\p{M}{4})\p{M}+/gu;
const REPLACEMENT = '\ufffd';
const ELLIPSIS = '…';

/**
 * `text` as one line of plain text of at most `maxLength` UTF-16 code units
 * (so it also fits a schema's `maxLength`), cut at a character boundary and
 * marked with an ellipsis when cut.
 */
export function plainText(text: string, maxLength: number): string {
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new RangeError(`maxLength must be an integer from 1 up, got ${maxLength}`);
  }
  // Only look at as much as could survive: a hostile string may be megabytes.
  const head = text.length > maxLength * 4 ? text.slice(0, maxLength * 4) : text;
  const clean = head.replace(BREAKS, ' ').replace(UNSAFE, REPLACEMENT).replace(MARK_PILES, '$1').trim();
  if (clean.length <= maxLength && head === text) return clean;
  if (clean.length <= maxLength - ELLIPSIS.length) return clean + (head === text ? '' : ELLIPSIS);
  let end = maxLength - ELLIPSIS.length;
  // Never split a surrogate pair: half of one would be a lone surrogate.
  const code = clean.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return clean.slice(0, end) + ELLIPSIS;
}
