/**
 * POP × probe table, drawn from GET /api/v1/matrix: the figures the status itself was computed from (a POP
 * stuck in a timeout keeps its carried-over figure in the alarm colour while the next round runs), severities
 * decided by the server, POPs worst first. Headers sort (click again to reverse). Every string here (POP
 * names, probe ids, regions) comes from probes, so it only reaches the page through textContent (see el()).
 */
import { el, formatAge, formatClock, formatEstimate, formatMs } from './format.js';

/** The bar spans 0 … 1.25 × threshold, so the threshold tick sits at 80 %. */
const BAR_SCALE = 1.25;
const PRESENCE_TEXT = { reporting: '', silent: 'silent', left: 'left' };

/** Sort state survives redraws: null = the server's worst-first order. */
const sort = { key: null, descending: true, reversed: false };

function errorBar(cell, alarmAboveMs) {
  const scale = alarmAboveMs * BAR_SCALE;
  const fraction = (ms) => `${Math.min(100, (100 * ms) / scale).toFixed(1)}%`;
  const bar = el('div', { className: 'bar' });
  const fill = el('div', { className: 'bar-fill' });
  fill.style.width = fraction(cell.ms);
  bar.append(fill);
  if (cell.kind === 'measured' && cell.upperMs !== null) {
    const range = el('div', { className: 'bar-range' });
    range.style.left = fraction(cell.lowerMs);
    range.style.width = `max(2px, calc(${fraction(cell.upperMs)} - ${fraction(cell.lowerMs)}))`;
    bar.append(range);
  }
  const tick = el('div', { className: 'bar-threshold' });
  tick.style.left = fraction(alarmAboveMs);
  bar.append(tick);
  return bar;
}

/** The cell's words: `412 ± 25 ms`, `timeout ≥ 3.00 s`, `pending ≥ 1.20 s`, `failing ≥ 2.10 s`. */
export function describeCell(cell) {
  if (cell.kind === 'measured') return formatEstimate(cell.ms, ((cell.upperMs ?? cell.lowerMs) - cell.lowerMs) / 2);
  const word = cell.kind === 'censored' ? 'timeout' : cell.state;
  return `${word} ≥ ${formatMs(cell.ms)}`;
}

function cellFor(cell, probe, alarmAboveMs) {
  // Under anycast a probe reaches one POP per address: most cells are empty, and that is its catchment, not a fault.
  if (!cell)
    return el('td', {
      className: `cell missing presence-${probe.presence}`,
      text: '–',
      title: `not in ${probe.id}'s catchment (no result from this probe for this POP)`,
    });
  const lines = [el('span', { className: 'figure', text: describeCell(cell) })];
  if (cell.since) lines.push(el('span', { className: 'since', text: `stuck since ${formatClock(cell.since)}` }));
  if (cell.carried) lines.push(el('span', { className: 'carried', text: 'from the previous round' }));
  lines.push(errorBar(cell, alarmAboveMs));
  const title = [
    `target ${cell.target}${cell.targets > 1 ? ` (worst of ${cell.targets})` : ''}`,
    `round ${cell.roundId}, serial ${cell.serial}`,
    cell.breaching ? 'counted in the alarm' : null,
  ];
  const td = el('td', { className: `cell sev-${cell.severity} presence-${probe.presence}` }, lines);
  td.title = title.filter(Boolean).join('\n');
  td.dataset.ms = String(cell.ms);
  td.dataset.kind = cell.kind;
  return td;
}

function roundText(round) {
  if (!round) return 'no round';
  if (round.timeouts === 0) return round.state.replace('_', ' ');
  return `${round.state.replace('_', ' ')}, ${round.timeouts} timeout${round.timeouts > 1 ? 's' : ''}`;
}

function sortButton(label, key) {
  const button = el('button', { className: 'sort', text: label });
  button.type = 'button';
  button.dataset.sort = key;
  if (sort.key === key) button.dataset.direction = sort.descending ? 'desc' : 'asc';
  return button;
}

function probeHeader(probe, now) {
  const state =
    probe.presence === 'reporting'
      ? roundText(probe.round)
      : `${PRESENCE_TEXT[probe.presence]}${probe.lastReportAt ? ` ${formatAge(now - Date.parse(probe.lastReportAt))}` : ''}`;
  const warn = probe.round && probe.round.timeouts > 0 ? ' round-timeouts' : '';
  return el('th', { className: `probe presence-${probe.presence}${warn}` }, [
    sortButton(probe.id, `probe:${probe.id}`),
    el('div', { className: 'probe-meta', text: `${probe.region ?? ''} · ${state}` }),
  ]);
}

function sortRows(rows) {
  if (sort.key === null) return rows;
  const sign = sort.descending ? -1 : 1;
  if (sort.key === 'pop') return [...rows].sort((a, b) => sign * (a.pop < b.pop ? -1 : a.pop > b.pop ? 1 : 0));
  const probe = sort.key.slice('probe:'.length);
  // A timeout sorts above any figure, as the status ranks it; POPs this probe has no figure for go last.
  const figure = (row) => {
    const cell = row.cells.find((c) => c.probe === probe);
    if (!cell) return sort.descending ? -Infinity : Infinity;
    return cell.kind === 'censored' ? 1e15 + cell.ms : cell.ms;
  };
  return [...rows].sort((a, b) => sign * (figure(a) - figure(b)));
}

/** Draws the table; `onSort` redraws after a header click. Returns nothing; state lives in the DOM and `sort`. */
export function renderPopTable(table, matrix, { onSelectPop, onSort, now = Date.now() } = {}) {
  const shown = matrix.probes.filter((p) => p.presence !== 'left');
  const head = el('thead', {}, [
    el('tr', {}, [
      el('th', { className: 'corner' }, [sortButton('POP', 'pop')]),
      ...shown.map((p) => probeHeader(p, now)),
    ]),
  ]);
  head.addEventListener('click', (event) => {
    const key = event.target.closest?.('button.sort')?.dataset.sort;
    if (!key) return;
    // First click: names A→Z, figures worst first; second: reversed; third: back to the server's worst-first order.
    if (sort.key === key && !sort.reversed) {
      sort.descending = !sort.descending;
      sort.reversed = true;
    } else if (sort.key === key) {
      sort.key = null;
    } else {
      sort.key = key;
      sort.descending = key !== 'pop';
      sort.reversed = false;
    }
    onSort?.();
  });
  const body = el('tbody');
  for (const row of sortRows(matrix.rows)) {
    const cells = new Map(row.cells.map((c) => [c.probe, c]));
    const name = el('button', { className: 'pop-link', text: row.pop, title: `${row.pop}: history from every probe` });
    name.type = 'button';
    name.addEventListener('click', () => onSelectPop?.(row.pop));
    const nsids = [...new Set(row.cells.map((c) => c.nsid).filter(Boolean))].join(' / ');
    const label = el('th', { className: `pop sev-text-${row.worst.severity}` }, [
      name,
      el('div', { className: 'nsid', text: nsids }),
    ]);
    const tr = el('tr', { className: row.alarm ? 'alarm-row' : '' }, [
      label,
      ...shown.map((p) => cellFor(cells.get(p.id), p, matrix.alarmAboveMs)),
    ]);
    tr.dataset.pop = row.pop;
    body.append(tr);
  }
  if (matrix.rows.length === 0) {
    body.append(el('tr', {}, [el('td', { className: 'empty', text: 'No measured rounds in the window yet.' })]));
  }
  table.replaceChildren(head, body);
}

/** Probes that reported once but are no longer configured: listed apart, never as columns of the table. */
export function renderLeftProbes(container, matrix, now = Date.now()) {
  const left = matrix.probes.filter((p) => p.presence === 'left');
  container.hidden = left.length === 0;
  container.replaceChildren(
    el('span', { text: 'Probes that left (no longer configured): ' }),
    ...left.map((p) =>
      el('span', {
        className: 'left-probe',
        text: `${p.id}${p.lastReportAt ? ` (last report ${formatAge(now - Date.parse(p.lastReportAt))} ago)` : ''}`,
      }),
    ),
  );
}
