/** Renders a round as a plain-text table for `--once` and the demo. */
import { plainText, type RoundReport } from '@propwatch/shared';

/** The write error is text from a provider or server: one plain line, so it cannot drive the terminal. */
const MAX_ERROR_SHOWN = 1000;

export function formatRoundTable(report: RoundReport): string {
  const { round } = report;
  const header = `round ${round.id}  serial ${round.serial}  ${round.state}  write ${round.write.submitToAckMs.toFixed(1)} ms${round.write.error ? `  error: ${plainText(round.write.error, MAX_ERROR_SHOWN)}` : ''}`;
  if (!round.pops.length) return `${header}\n`;
  // VIA and KIND: which configured target a result came through; behind an anycast one, POP is what its NSID names.
  const rows = [['POP', 'VIA', 'KIND', 'TARGET', 'NSID', 'STATE', 'ESTIMATE', '± ERROR', 'QUERIES', 'FAILURES']];
  for (const pop of [...round.pops].sort((a, b) => (b.estimateMs ?? b.lowerMs) - (a.estimateMs ?? a.lowerMs))) {
    // An unreachable target gives no figure at all; a rerouted instance only how long it was seen missing.
    const estimate =
      pop.estimateMs !== undefined
        ? `${pop.estimateMs.toFixed(1)} ms`
        : pop.state === 'unreachable'
          ? '-'
          : `> ${pop.lowerMs.toFixed(0)} ms`;
    const error = pop.upperMs !== undefined ? `${((pop.upperMs - pop.lowerMs) / 2).toFixed(1)} ms` : '-';
    rows.push([
      pop.pop,
      pop.via ?? pop.pop,
      pop.targetKind ?? 'unicast',
      pop.target,
      sanitize(pop.nsid ?? '-'),
      pop.state,
      estimate,
      error,
      String(pop.queries),
      String(pop.failures),
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
  return `${header}\n${lines.join('\n')}\n`;
}

/** NSIDs come from the network: keep terminal control characters out. */
function sanitize(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
}
