/* global document */
/** The state banner: ok / alarm / stale / degraded, with reason, since, worst case and probe count. */
import { formatAge, formatMs } from './format.js';

const LABELS = { ok: 'OK', alarm: 'ALARM', stale: 'STALE', degraded: 'DEGRADED' };

function setText(id, text) {
  document.getElementById(id).textContent = text;
}

export function renderBanner(status, now = Date.now()) {
  const banner = document.getElementById('banner');
  const state = Object.hasOwn(LABELS, status.state) ? status.state : 'unknown';
  banner.className = `banner state-${state}`;
  banner.dataset.state = state;
  setText('banner-state', LABELS[state] ?? String(status.state));
  setText('banner-reason', status.reason);
  const since = new Date(status.since);
  setText('banner-since', `${since.toLocaleString([], { hour12: false })} (${formatAge(now - since.getTime())} ago)`);
  setText(
    'banner-worst',
    status.worst
      ? `${formatMs(status.worstMs)} · ${status.worst.pop} via ${status.worst.probe}`
      : formatMs(status.worstMs),
  );
  setText('banner-threshold', formatMs(status.thresholdMs));
  setText('banner-probes', `${status.probes.fresh} of ${status.probes.expected}`);
  document.title = `propwatch · ${LABELS[state] ?? state}`;
}
