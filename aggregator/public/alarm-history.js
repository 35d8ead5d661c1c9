/** The alarm history panel: the states of the last 7 days from GET /api/v1/alarms, newest first. */
import { el, formatAge } from './format.js';

const LABELS = { ok: 'OK', alarm: 'ALARM', stale: 'STALE', degraded: 'DEGRADED' };

function when(iso) {
  return new Date(iso).toLocaleString([], {
    hour12: false,
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function renderAlarmHistory(table, answer) {
  const head = el('thead', {}, [
    el(
      'tr',
      {},
      ['state', 'start', 'end', 'duration', 'reason'].map((h) => el('th', { text: h })),
    ),
  ]);
  const body = el(
    'tbody',
    {},
    answer.periods.map((period) => {
      const reason = el('td', { className: 'reason' }, [el('div', { text: period.reason })]);
      if (period.endReason) reason.append(el('div', { className: 'muted', text: `ended: ${period.endReason}` }));
      const tr = el('tr', {}, [
        el('td', {}, [
          el('span', {
            className: `badge state-badge state-${period.state}`,
            text: LABELS[period.state] ?? period.state,
          }),
        ]),
        el('td', {
          className: 'mono',
          text: `${period.clipped ? '≤ ' : ''}${when(period.start)}`,
          title: period.start,
        }),
        el('td', { className: 'mono', text: period.end ? when(period.end) : 'ongoing', title: period.end ?? '' }),
        el('td', { className: 'num', text: formatAge(period.durationMs) }),
        reason,
      ]);
      tr.dataset.state = period.state;
      return tr;
    }),
  );
  if (answer.periods.length === 0) {
    body.append(el('tr', {}, [el('td', { className: 'empty', text: 'No state changes in the last 7 days.' })]));
  }
  if (answer.truncated)
    body.append(el('tr', {}, [el('td', { className: 'muted', text: 'Only the newest 1,000 changes are listed.' })]));
  table.replaceChildren(head, body);
}
