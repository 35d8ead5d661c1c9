/**
 * POP × probe table of the latest measured round of each probe. Every string
 * here (POP names, NSIDs, probe ids, regions, errors) comes from probes, so it
 * only ever reaches the page through textContent (see el()).
 */
import { el, formatEstimate, formatMs, severityOf } from './format.js';

/** The bar spans 0 … 1.25 × threshold, so the threshold tick sits at 80 %. */
const BAR_SCALE = 1.25;

/** Newest non-write_failed round per probe; `rounds` come newest first. */
export function latestMeasured(rounds) {
  const latest = new Map();
  for (const round of rounds) {
    if (round.state !== 'write_failed' && !latest.has(round.probe.id)) latest.set(round.probe.id, round);
  }
  return latest;
}

function errorBar(pop, thresholds) {
  const scale = thresholds.alarmAboveMs * BAR_SCALE;
  const fraction = (ms) => `${Math.min(100, (100 * ms) / scale).toFixed(1)}%`;
  const bar = el('div', { className: 'bar' });
  const fill = el('div', { className: 'bar-fill' });
  fill.style.width = fraction(pop.estimateMs ?? pop.lowerMs);
  bar.append(fill);
  if (pop.state === 'propagated' && pop.upperMs !== undefined) {
    const range = el('div', { className: 'bar-range' });
    range.style.left = fraction(pop.lowerMs);
    range.style.width = `max(2px, calc(${fraction(pop.upperMs)} - ${fraction(pop.lowerMs)}))`;
    bar.append(range);
  }
  const tick = el('div', { className: 'bar-threshold' });
  tick.style.left = fraction(thresholds.alarmAboveMs);
  bar.append(tick);
  return bar;
}

function describe(pop, thresholds) {
  switch (pop.state) {
    case 'propagated': {
      const estimate = pop.estimateMs ?? (pop.lowerMs + (pop.upperMs ?? pop.lowerMs)) / 2;
      return {
        text: formatEstimate(estimate, ((pop.upperMs ?? pop.lowerMs) - pop.lowerMs) / 2),
        severity: severityOf(estimate, thresholds),
      };
    }
    case 'timeout':
      return { text: `> ${formatMs(pop.lowerMs)} timeout`, severity: 'bad' };
    case 'failing':
      return {
        text: `≥ ${formatMs(pop.lowerMs)} failing`,
        severity: pop.lowerMs >= thresholds.alarmAboveMs ? 'bad' : 'pending',
      };
    default:
      return {
        text: `≥ ${formatMs(pop.lowerMs)} pending`,
        severity: pop.lowerMs >= thresholds.alarmAboveMs ? 'bad' : 'pending',
      };
  }
}

function cellFor(pop, thresholds) {
  if (!pop) return el('td', { className: 'cell missing', text: '–' });
  const { text, severity } = describe(pop, thresholds);
  const details = [
    `target ${pop.target}`,
    pop.nsid ? `NSID ${pop.nsid}` : null,
    `${pop.queries} queries, ${pop.failures} failures`,
    pop.lastError ? `last error: ${pop.lastError}` : null,
  ];
  return el('td', { className: `cell sev-${severity}`, title: details.filter(Boolean).join('\n') }, [
    el('span', { className: 'figure', text }),
    errorBar(pop, thresholds),
  ]);
}

function probeHeader(id, probe, round) {
  const state = probe?.fresh ? (round?.state ?? 'no round') : 'silent';
  return el('th', { className: `probe ${probe?.fresh ? 'fresh' : 'not-fresh'}` }, [
    el('div', { className: 'probe-id', text: id }),
    el('div', { className: 'probe-meta', text: `${probe?.region ?? round?.probe.region ?? ''} · ${state}` }),
  ]);
}

export function renderPopTable(table, { probes, rounds, thresholds }) {
  const latest = latestMeasured(rounds);
  const byId = new Map(probes.map((p) => [p.id, p]));
  const probeIds = [...new Set([...probes.map((p) => p.id), ...latest.keys()])].sort();
  const pops = new Map();
  for (const round of latest.values()) {
    for (const pop of round.pops) {
      const row = pops.get(pop.pop) ?? { nsids: new Set(), cells: new Map() };
      if (pop.nsid) row.nsids.add(pop.nsid);
      row.cells.set(round.probe.id, pop);
      pops.set(pop.pop, row);
    }
  }
  const head = el('thead', {}, [
    el('tr', {}, [
      el('th', { className: 'corner', text: 'POP / NSID' }),
      ...probeIds.map((id) => probeHeader(id, byId.get(id), latest.get(id))),
    ]),
  ]);
  const body = el('tbody');
  for (const name of [...pops.keys()].sort()) {
    const row = pops.get(name);
    const label = el('th', { className: 'pop' }, [
      el('div', { className: 'pop-name', text: name }),
      el('div', { className: 'nsid', text: [...row.nsids].join(' / ') }),
    ]);
    body.append(el('tr', {}, [label, ...probeIds.map((id) => cellFor(row.cells.get(id), thresholds))]));
  }
  if (pops.size === 0) body.append(el('tr', {}, [el('td', { className: 'empty', text: 'No measured rounds yet.' })]));
  table.replaceChildren(head, body);
}
