/**
 * What the client prints on a terminal (the console driver, `--once`) comes
 * from the aggregator, and much of it from probes before that: one plain line,
 * bounded, whatever an old or hostile aggregator sends, so it cannot clear the
 * screen, fake a line or retitle the window.
 */
import { plainText } from '@propwatch/shared';

/** Longer than any reason the aggregator builds; a line past this was not written by it. */
const MAX_SHOWN = 1000;

export function terminalText(text: string): string {
  return plainText(text, MAX_SHOWN);
}
