/**
 * The coverage panel, from GET /api/v1/coverage: how many of the expected POPs fresh probes observe, the blind
 * spots (POPs in no probe's catchment: the status cannot speak for them), the catchment map (which probe
 * reaches which POP through which address) and the newest catchment changes (reroutes).
 */
import { el, formatClock } from './format.js';

const CHANGES_SHOWN = 10;

function summary(coverage) {
  const percent = coverage.ratio === null || coverage.ratio === undefined ? '–' : Math.round(coverage.ratio * 100);
  const basis = coverage.basis === 'configured' ? 'expectedPops' : 'POPs seen within retention';
  return `${coverage.observed} of ${coverage.expected} POPs observed (${percent}%, against ${basis})`;
}

function blindSpots(coverage) {
  if (coverage.missing.length === 0) return el('p', { className: 'coverage-blind none', text: 'No blind spot.' });
  return el('p', { className: 'coverage-blind' }, [
    el('span', { text: 'Blind spots (in no probe’s catchment): ' }),
    ...coverage.missing.map((pop) => el('span', { className: 'badge blind-pop', text: pop })),
  ]);
}

function catchmentMap(coverage) {
  const head = el('thead', {}, [
    el(
      'tr',
      {},
      ['probe', 'via', 'POP', 'state', 'NSID'].map((h) => el('th', { text: h })),
    ),
  ]);
  const rows = coverage.catchments.map((c) => {
    const pop = c.pop ?? `${c.via}: no instance answered`;
    const tr = el('tr', { className: c.fresh ? '' : 'muted' }, [
      el('td', { className: 'mono', text: c.probe }),
      el('td', { className: 'mono', text: c.targetKind === 'anycast' ? c.via : `${c.via} (unicast)` }),
      el('td', { className: 'mono catchment-pop', text: pop }),
      el('td', { text: c.state }),
      el('td', { className: 'mono muted', text: c.nsid ?? '' }),
    ]);
    tr.dataset.probe = c.probe;
    tr.dataset.pop = c.pop ?? '';
    return tr;
  });
  if (rows.length === 0)
    rows.push(el('tr', {}, [el('td', { className: 'empty', text: 'No round in the window yet.' })]));
  return el('table', { className: 'grid catchment-map' }, [head, el('tbody', {}, rows)]);
}

function changes(coverage) {
  const list = coverage.changes.slice(0, CHANGES_SHOWN);
  if (list.length === 0) return el('p', { className: 'muted', text: 'No catchment change recorded.' });
  return el(
    'ul',
    { className: 'catchment-changes' },
    list.map((c) =>
      el('li', {
        text: `${formatClock(c.at)} ${c.probe} via ${c.via}: ${c.fromPop ?? '–'} → ${c.toPop ?? '–'}`,
        title: `round ${c.roundId}`,
      }),
    ),
  );
}

/** Draws the panel into `section` (its children are replaced). */
export function renderCoverage(section, coverage) {
  section.dataset.observed = String(coverage.observed);
  section.dataset.expected = String(coverage.expected);
  section.replaceChildren(
    el('p', { className: 'coverage-summary', text: summary(coverage) }),
    blindSpots(coverage),
    el('h3', { text: 'Catchment map: probe → via → POP' }),
    el('div', { className: 'table-wrap' }, [catchmentMap(coverage)]),
    el('h3', { text: 'Recent catchment changes' }),
    changes(coverage),
  );
}
