/* global uPlot, ResizeObserver, window */
/**
 * The worst-case chart: one series per probe, in seconds, with the alarm threshold and the clear level drawn as
 * dashed lines. 30 min: the slowest POP of each round from the raw rounds (carry-over included, so a stuck POP
 * does not dip at each new round). Longer ranges: the slowest figure per rollup step. Lines break where there
 * was no data: a null at a gap (uPlot draws nothing across it, spanGaps false), while `undefined` only aligns
 * probes that report at different instants (uPlot joins over those). uPlot styles its elements through the
 * CSSOM, which the page's CSP (style-src 'self') allows.
 */
import { el, formatMs } from './format.js';

const PALETTE = ['#0969da', '#8250df', '#1a7f37', '#bc4c00', '#bf3989', '#0a7ea4', '#6e7781', '#953800'];
const HEIGHT = 260;
/** Show at least this much time, so a fresh start does not stretch two rounds across the width. */
const MIN_SPAN_S = 60;
/** Two rounds of a probe further apart than this many of its usual spacings have a gap between them. */
const GAP_FACTOR = 3;
const MIN_GAP_MS = 5_000;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)];
}

/** Raw points per probe, with a null one millisecond after the last point before each gap. */
export function pointColumns(points, probes) {
  const perProbe = new Map(probes.map((probe) => [probe, []]));
  for (const point of points) perProbe.get(point.probe).push(point);
  const rows = []; // [atMs, probeIndex, value|null]
  probes.forEach((probe, i) => {
    const list = perProbe.get(probe);
    const spacing = median(list.slice(1).map((p, k) => p.at - list[k].at));
    const gapMs = Math.max(MIN_GAP_MS, GAP_FACTOR * spacing);
    list.forEach((point, k) => {
      rows.push([point.at, i, point.worstMs / 1000]);
      const next = list[k + 1];
      if (next && next.at - point.at > gapMs) rows.push([point.at + 1, i, null]);
    });
  });
  const xs = [...new Set(rows.map(([at]) => at))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const series = probes.map(() => new Array(xs.length).fill(undefined));
  for (const [at, i, value] of rows) {
    const current = series[i][index.get(at)];
    series[i][index.get(at)] =
      value === null || current === undefined || current === null ? value : Math.max(current, value);
  }
  return [xs.map((x) => x / 1000), ...series];
}

/** Rollup steps: every step is on the x axis; a step without data is null (a gap). */
export function rollupColumns(rollup) {
  return [
    rollup.at.map((at) => at / 1000),
    ...rollup.series.map((s) => s.maxMs.map((ms, i) => (s.count[i] === 0 || ms === null ? null : ms / 1000))),
  ];
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

function buildOptions(container, labels, limits) {
  const secondsValue = (_u, v) => (v === null || v === undefined ? '–' : formatMs(v * 1000));
  return {
    width: Math.max(280, container.clientWidth),
    height: HEIGHT,
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true, range: (_u, min, max) => [Math.min(min, max - MIN_SPAN_S), max] },
      y: { range: (_u, _min, max) => [0, Math.max(max ?? 0, limits.alarmAboveMs / 1000) * 1.15] },
    },
    axes: [{}, { label: 'seconds', values: (_u, ticks) => ticks.map((t) => `${t} s`), size: 60 }],
    series: [
      {},
      ...labels.map((label, i) => ({
        label,
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        spanGaps: false,
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
  new ResizeObserver(() => plot?.setSize({ width: Math.max(280, container.clientWidth), height: HEIGHT })).observe(
    container,
  );

  return {
    /** `history` is a GET /api/v1/history answer; raw points when it has them, else its rollup series. */
    update(history) {
      limits.alarmAboveMs = history.alarmAboveMs;
      limits.clearBelowMs = history.clearBelowMs;
      const raw = history.points.length > 0 || history.windowMs <= 3_600_000;
      const source = raw ? 'worst POP per round' : `slowest per ${formatMs(history.rollup.stepMs)} step`;
      hint.textContent = `last ${formatMs(history.windowMs)} · ${source} · alarm above ${formatMs(history.alarmAboveMs)}, clears below ${formatMs(history.clearBelowMs)}`;
      const labels = raw
        ? [...new Set(history.points.map((p) => p.probe))].sort()
        : history.rollup.series.map((s) => s.probe ?? s.pop ?? 'all');
      const data = raw ? pointColumns(history.points, labels) : rollupColumns(history.rollup);
      const hasData = raw ? history.points.length > 0 : history.rollup.series.some((s) => s.count.some((c) => c > 0));
      empty.hidden = hasData;
      container.dataset.source = raw ? 'points' : 'rollup';
      // A new probe changes the series list, which uPlot cannot change in place: rebuild.
      const nextShape = JSON.stringify([raw, labels]);
      if (plot === null || nextShape !== shape) {
        plot?.destroy();
        plot = hasData ? new uPlot(buildOptions(container, labels, limits), data, container) : null;
        shape = hasData ? nextShape : '';
      } else {
        plot.setData(data);
      }
    },
  };
}
