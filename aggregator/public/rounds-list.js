/** Recent rounds, newest first: when, probe, state, serial, how many POPs propagated, the slowest, the write. */
import { el, formatClock, formatMs, severityOf } from './format.js';

const SHOWN = 15;

function slowest(round) {
  let worst = null;
  for (const pop of round.pops) {
    const ms = pop.state === 'propagated' ? (pop.estimateMs ?? pop.lowerMs) : pop.lowerMs;
    if (worst === null || ms > worst.ms) worst = { pop: pop.pop, ms, state: pop.state };
  }
  return worst;
}

/** A round with timeouts is not a green "complete": `complete, 1 timeout` in the alarm colour. */
function stateBadge(round) {
  const timeouts = round.pops.filter((p) => p.state === 'timeout').length;
  const text = round.state.replace('_', ' ');
  if (timeouts === 0) return el('span', { className: `badge round-${round.state}`, text });
  return el('span', {
    className: 'badge round-timeouts',
    text: `${text}, ${timeouts} timeout${timeouts > 1 ? 's' : ''}`,
  });
}

function row(round, thresholds) {
  const worst = slowest(round);
  const propagated = round.pops.filter((p) => p.state === 'propagated').length;
  const qualifier = { propagated: '', timeout: 'timeout ≥ ', failing: 'failing ≥ ' }[worst?.state] ?? '≥ ';
  const worstText = worst ? `${worst.pop} ${qualifier}${formatMs(worst.ms)}` : '–';
  const write = round.write.error ? `failed: ${round.write.error}` : `ack ${formatMs(round.write.submitToAckMs)}`;
  return el('tr', {}, [
    el('td', { className: 'mono', text: formatClock(round.startedAt), title: round.startedAt }),
    el('td', { text: round.probe.id }),
    el('td', {}, [stateBadge(round)]),
    el('td', { className: 'mono', text: round.serial }),
    el('td', { className: 'num', text: `${propagated} / ${round.pops.length}` }),
    el('td', { className: worst ? `sev-text-${severityOf(worst.ms, thresholds)}` : '', text: worstText }),
    el('td', { className: round.write.error ? 'write-error' : 'muted', text: write }),
  ]);
}

export function renderRounds(table, { rounds, thresholds }) {
  const head = el('thead', {}, [
    el(
      'tr',
      {},
      ['started', 'probe', 'state', 'serial', 'propagated', 'slowest POP', 'write'].map((h) => el('th', { text: h })),
    ),
  ]);
  const body = el(
    'tbody',
    {},
    rounds.slice(0, SHOWN).map((round) => row(round, thresholds)),
  );
  if (rounds.length === 0) body.append(el('tr', {}, [el('td', { className: 'empty', text: 'No rounds yet.' })]));
  table.replaceChildren(head, body);
}
