/* global document */
/** Small DOM and formatting helpers. Text only ever goes in through textContent. */

export function el(tag, { className, text, title } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (title) node.title = String(title);
  for (const child of children) if (child) node.append(child);
  return node;
}

export function formatMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')} s`;
}

/** `412 ± 25 ms`, or `4.12 s ± 60 ms` once the value passes a second. */
export function formatEstimate(estimateMs, halfWidthMs) {
  if (estimateMs < 1000 && halfWidthMs < 1000) return `${Math.round(estimateMs)} ± ${Math.round(halfWidthMs)} ms`;
  return `${formatMs(estimateMs)} ± ${formatMs(halfWidthMs)}`;
}

export function formatAge(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export function formatClock(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleTimeString([], { hour12: false });
}

/** Severity of a figure against the alarm threshold and the (lower) clear level. */
export function severityOf(ms, thresholds) {
  if (ms >= thresholds.alarmAboveMs) return 'bad';
  if (ms >= thresholds.clearBelowMs) return 'warn';
  return 'ok';
}
