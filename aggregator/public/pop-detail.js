/* global uPlot, window */
/**
 * One POP's history from every probe (click a POP in the table): per probe and rollup step the median with an
 * error bar from the lowest lower bound to the highest upper bound of the step's results (`lowMs`/`highMs` of
 * GET /api/v1/history?by=probe&pop=…; up to `maxMs` when the step has timeouts), finished results only; steps
 * without data are gaps.
 */
import { el, formatMs } from './format.js';

const PALETTE = ['#0969da', '#8250df', '#1a7f37', '#bc4c00', '#bf3989', '#0a7ea4', '#6e7781', '#953800'];
const HEIGHT = 220;

/** Vertical bars lowMs … highMs at every point of every series, drawn on uPlot's canvas. */
function drawErrorBars(u, bars) {
  const { ctx } = u;
  const scale = window.devicePixelRatio || 1;
  ctx.save();
  ctx.lineWidth = 1.5 * scale;
  bars.forEach(({ low, high }, s) => {
    ctx.strokeStyle = PALETTE[s % PALETTE.length];
    u.data[0].forEach((x, i) => {
      if (low[i] === null || high[i] === null || u.data[s + 1][i] === null) return;
      const px = Math.round(u.valToPos(x, 'x', true));
      const top = Math.round(u.valToPos(high[i] / 1000, 'y', true));
      const bottom = Math.round(u.valToPos(low[i] / 1000, 'y', true));
      ctx.beginPath();
      ctx.moveTo(px, top);
      ctx.lineTo(px, bottom);
      ctx.moveTo(px - 3 * scale, top);
      ctx.lineTo(px + 3 * scale, top);
      ctx.moveTo(px - 3 * scale, bottom);
      ctx.lineTo(px + 3 * scale, bottom);
      ctx.stroke();
    });
  });
  ctx.restore();
}

export function createPopDetail(section, { onClose }) {
  const title = section.querySelector('.pop-detail-title');
  const container = section.querySelector('.pop-detail-chart');
  const close = section.querySelector('.pop-detail-close');
  close.addEventListener('click', () => {
    section.hidden = true;
    current = null;
    onClose?.();
  });
  let current = null;
  let plot = null;
  const empty = el('p', { className: 'empty', text: 'No finished results for this POP in the range.' });
  return {
    get pop() {
      return current;
    },
    show(pop) {
      current = pop;
      section.hidden = false;
      section.dataset.pop = pop;
      title.textContent = `${pop}: history from every probe`;
    },
    update(pop, history) {
      if (pop !== current) return;
      const { rollup } = history;
      const series = rollup.series.filter((s) => s.count.some((c) => c > 0));
      // A timeout has no upper bound: the bar then reaches the step's largest figure (the censored wait), so a
      // step with timeouts never looks as tight as its median alone.
      const bars = series.map((s) => ({
        low: s.lowMs,
        high: s.highMs.map((high, i) => (s.count[i] === 0 ? null : Math.max(high ?? 0, s.maxMs[i] ?? 0))),
      }));
      const data = [
        rollup.at.map((at) => at / 1000),
        ...series.map((s) => s.p50Ms.map((ms, i) => (s.count[i] === 0 || ms === null ? null : ms / 1000))),
      ];
      plot?.destroy();
      plot = null;
      container.replaceChildren();
      section.dataset.points = String(series.reduce((n, s) => n + s.count.filter((c) => c > 0).length, 0));
      if (series.length === 0) {
        container.append(empty);
        return;
      }
      const figures = series.flatMap((s) => [...s.highMs, ...s.maxMs]).filter((v) => v !== null);
      const maxHigh = Math.max(history.alarmAboveMs, ...figures);
      plot = new uPlot(
        {
          width: Math.max(280, container.clientWidth),
          height: HEIGHT,
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: true }, y: { range: () => [0, (maxHigh / 1000) * 1.15] } },
          axes: [{}, { label: 'seconds', values: (_u, ticks) => ticks.map((t) => `${t} s`), size: 60 }],
          series: [
            {},
            ...series.map((s, i) => ({
              label: `${s.probe} (median, bar: lower … upper bound)`,
              stroke: PALETTE[i % PALETTE.length],
              width: 2,
              spanGaps: false,
              points: { show: true, size: 5 },
              value: (_u, v) => (v === null || v === undefined ? '–' : formatMs(v * 1000)),
            })),
          ],
          legend: { live: false },
          hooks: { draw: [(u) => drawErrorBars(u, bars)] },
        },
        data,
        container,
      );
    },
  };
}
