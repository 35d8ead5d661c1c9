/** The chart's time range: 30 min (raw rounds), 6 h, 24 h, 7 d (rollups). Buttons, no inline handlers. */
import { el } from './format.js';

export const RANGES = [
  { key: '30m', label: '30 min', refreshMs: 10_000 },
  { key: '6h', label: '6 h', refreshMs: 60_000 },
  { key: '24h', label: '24 h', refreshMs: 60_000 },
  { key: '7d', label: '7 d', refreshMs: 300_000 },
];

/** Draws the buttons into `container`; calls `onChange(range)` on a click. Returns the initial range. */
export function createRangePicker(container, onChange) {
  let current = RANGES[0];
  const buttons = RANGES.map((range) => {
    const button = el('button', { className: 'range', text: range.label });
    button.type = 'button';
    button.dataset.range = range.key;
    button.addEventListener('click', () => {
      current = range;
      for (const b of buttons) b.setAttribute('aria-pressed', String(b === button));
      onChange(range);
    });
    button.setAttribute('aria-pressed', String(range === current));
    return button;
  });
  container.replaceChildren(...buttons);
  return {
    get current() {
      return current;
    },
  };
}
