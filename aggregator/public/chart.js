/* global uPlot, ResizeObserver, window */
/**
 * The worst-case chart: one series per probe (the slowest POP of each round,
 * in seconds, at the time the round started reporting), with the alarm
 * threshold and the clear level drawn as dashed lines. uPlot styles its elements
 * through the CSSOM, which the page's CSP (style-src 'self') allows.
 */
import { el, formatMs } from './format.js';

const PALETTE = ['#0969da', '#8250df', '#1a7f37', '#bc4c00', '#bf3989', '#0a7ea4', '#6e7781', '#953800'];
const HEIGHT = 260;
/** Show at least this much time, so a fresh start does not stretch two rounds across the width. */
const MIN_SPAN_S = 60;

function toColumns(history, probes) {
  const xs = [...new Set(history.points.map((p) => Math.round(p.at / 1000)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const series = probes.map(() => new Array(xs.length).fill(null));
  const byProbe = new Map(probes.map((probe, i) => [probe, i]));
  for (const point of history.points) {
    const column = series[byProbe.get(point.probe)];
    const i = index.get(Math.round(point.at / 1000));
    column[i] = Math.max(column[i] ?? 0, point.worstMs / 1000);
  }
  return [xs, ...series];
}

/** Threshold lines span the whole plot (series would stop at the first and last round), drawn on uPlot's canvas. */
function drawLimits(u, limits) {
  const { ctx, bbox } = u;
  const scale = window.devicePixelRatio || 1;
  ctx.save();
  ctx.font = `${12 * scale}px system-ui, sans-serif`;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'bottom';
  ctx.lineWidth = 1.5 * scale;
  for (const [ms, colour, dash, label] of [
    [limits.alarmAboveMs, '#cf222e', [8, 5], 'alarm'],
    [limits.clearBelowMs, '#bf8700', [3, 4], 'clear'],
  ]) {
    const y = Math.round(u.valToPos(ms / 1000, 'y', true));
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.setLineDash(dash.map((d) => d * scale));
    ctx.beginPath();
    ctx.moveTo(bbox.left, y);
    ctx.lineTo(bbox.left + bbox.width, y);
    ctx.stroke();
    ctx.fillText(`${label} ${formatMs(ms)}`, bbox.left + bbox.width - 4 * scale, y - 3 * scale);
  }
  ctx.restore();
}

function buildOptions(container, probes, limits) {
  const secondsValue = (_u, v) => (v === null || v === undefined ? '–' : formatMs(v * 1000));
  return {
    width: Math.max(300, container.clientWidth),
    height: HEIGHT,
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true, range: (_u, min, max) => [Math.min(min, max - MIN_SPAN_S), max] },
      y: { range: (_u, _min, max) => [0, Math.max(max ?? 0, limits.alarmAboveMs / 1000) * 1.15] },
    },
    axes: [{}, { label: 'seconds', values: (_u, ticks) => ticks.map((t) => `${t} s`), size: 60 }],
    series: [
      {},
      ...probes.map((probe, i) => ({
        label: probe,
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        spanGaps: true,
        points: { show: true, size: 5 },
        value: secondsValue,
      })),
    ],
    legend: { live: false },
    hooks: { draw: [(u) => drawLimits(u, limits)] },
  };
}

export function createChart(container, hint) {
  let plot = null;
  let shape = '';
  const limits = { alarmAboveMs: 0, clearBelowMs: 0 };
  const empty = el('p', { className: 'empty', text: 'No measured rounds in the window yet.' });
  container.append(empty);
  new ResizeObserver(() => plot?.setSize({ width: Math.max(300, container.clientWidth), height: HEIGHT })).observe(
    container,
  );

  return {
    update(history) {
      limits.alarmAboveMs = history.alarmAboveMs;
      limits.clearBelowMs = history.clearBelowMs;
      hint.textContent = `last ${formatMs(history.windowMs)} · alarm above ${formatMs(history.alarmAboveMs)}, clears below ${formatMs(history.clearBelowMs)}`;
      empty.hidden = history.points.length > 0;
      const probes = [...new Set(history.points.map((p) => p.probe))].sort();
      const data = toColumns(history, probes);
      // A new probe changes the series list, which uPlot cannot change in place: rebuild.
      const nextShape = JSON.stringify(probes);
      if (plot === null || nextShape !== shape) {
        plot?.destroy();
        plot = history.points.length > 0 ? new uPlot(buildOptions(container, probes, limits), data, container) : null;
        shape = nextShape;
      } else {
        plot.setData(data);
      }
    },
  };
}
