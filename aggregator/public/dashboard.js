/* global document */
/**
 * propwatch dashboard. Every 2 s one read, GET /api/v1/matrix: the status and the POP × probe figures of the
 * same evaluation, so banner and table never disagree. Heavier reads less often: the recent rounds every 10 s,
 * the chart at its range's pace (10 s for 30 min, minutes for the rollup ranges) or when the range changes.
 * No framework, no bundler; served with a strict CSP, so nothing here may use inline code, and no string is
 * ever parsed as HTML (text goes in through textContent). One module per panel.
 */
import { ApiError, adoptTokenFromUrl, getJson, promptForToken } from './api-client.js';
import { renderAlarmHistory } from './alarm-history.js';
import { renderBanner } from './banner.js';
import { createChart } from './chart.js';
import { renderCoverage } from './coverage.js';
import { el, formatClock } from './format.js';
import { createPopDetail } from './pop-detail.js';
import { renderLeftProbes, renderPopTable } from './pop-table.js';
import { createRangePicker } from './range-picker.js';
import { renderRounds } from './rounds-list.js';

const STATUS_MS = 2_000;
const ROUNDS_MS = 10_000;
const ROUNDS_LIMIT = 15;
const ALARMS_MS = 60_000;
const COVERAGE_MS = 10_000;

const connection = document.getElementById('connection');
const updated = document.getElementById('updated');
const timers = new Map();
let chart;
let picker;
let detail;
let lastMatrix = null;
let polls = 0;
let blocked = false;

function showProblem(error) {
  connection.hidden = false;
  const children = [el('span', { text: error.message })];
  if (error instanceof ApiError && error.status === 401) {
    blocked = true;
    const button = el('button', { text: 'Enter read token' });
    button.type = 'button';
    button.addEventListener('click', () => {
      if (!promptForToken()) return;
      blocked = false;
      for (const task of TASKS) schedule(task, 0);
    });
    children.push(button);
  }
  connection.replaceChildren(...children);
  document.getElementById('banner').classList.add('outdated');
}

function drawTable() {
  if (lastMatrix === null) return;
  renderPopTable(document.getElementById('pop-table'), lastMatrix, { onSort: drawTable, onSelectPop: selectPop });
  renderLeftProbes(document.getElementById('left-probes'), lastMatrix);
}

function selectPop(pop) {
  detail.show(pop);
  schedule(TASKS[3], 0);
  document.getElementById('pop-detail').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
}

const TASKS = [
  {
    name: 'matrix',
    every: () => STATUS_MS,
    async run() {
      const previousState = lastMatrix?.status.state;
      lastMatrix = await getJson('/api/v1/matrix');
      renderBanner(lastMatrix.status);
      // A state change shows on the chart and the rounds at once, not at their next slower refresh.
      if (previousState !== undefined && previousState !== lastMatrix.status.state) {
        for (const task of TASKS.slice(1)) schedule(task, 0);
      }
      drawTable();
      document.getElementById('banner').classList.remove('outdated');
      updated.textContent = `updated ${formatClock(new Date().toISOString())}`;
      document.body.dataset.polls = String(++polls);
    },
  },
  {
    name: 'rounds',
    every: () => ROUNDS_MS,
    async run() {
      const rounds = await getJson(`/api/v1/rounds?limit=${ROUNDS_LIMIT}`);
      // Colours need the thresholds, which come with the matrix (read first; its values never change at run time).
      const thresholds = lastMatrix ?? { alarmAboveMs: Infinity, clearBelowMs: Infinity };
      renderRounds(document.getElementById('rounds'), { rounds: rounds.rounds, thresholds });
    },
  },
  {
    name: 'chart',
    every: () => picker.current.refreshMs,
    async run() {
      const range = picker.current;
      const state = lastMatrix?.status.state ?? 'unknown';
      const history = await getJson(`/api/v1/history?window=${range.key}`);
      if (range !== picker.current) return; // the range changed while this was in flight
      chart.update(history);
      const container = document.getElementById('chart');
      container.dataset.range = range.key;
      // The status state when this history was read: the chart is at least as new as that banner.
      container.dataset.drawnFor = state;
    },
  },
  {
    name: 'pop',
    // Only while a POP is open; refreshed with the chart's range.
    every: () => picker.current.refreshMs,
    async run() {
      const pop = detail.pop;
      if (pop === null) return;
      const range = picker.current;
      const history = await getJson(`/api/v1/history?window=${range.key}&by=probe&pop=${encodeURIComponent(pop)}`);
      detail.update(pop, history);
    },
  },
  {
    name: 'alarms',
    every: () => ALARMS_MS,
    async run() {
      renderAlarmHistory(document.getElementById('alarm-history'), await getJson('/api/v1/alarms?window=7d'));
    },
  },
  {
    name: 'coverage',
    every: () => COVERAGE_MS,
    async run() {
      renderCoverage(document.getElementById('coverage'), await getJson('/api/v1/coverage?limit=200'));
    },
  },
];

async function runTask(task) {
  timers.delete(task.name);
  if (blocked) return;
  try {
    await task.run();
    if (task.name === 'matrix') connection.hidden = true;
  } catch (error) {
    showProblem(error);
    if (error instanceof ApiError && error.status === 401) return; // until a token is entered
  }
  schedule(task, task.every());
}

function schedule(task, delayMs) {
  clearTimeout(timers.get(task.name));
  timers.set(
    task.name,
    setTimeout(() => void runTask(task), delayMs),
  );
}

function start() {
  adoptTokenFromUrl();
  chart = createChart(document.getElementById('chart'), document.getElementById('chart-hint'));
  detail = createPopDetail(document.getElementById('pop-detail'), {});
  picker = createRangePicker(document.getElementById('ranges'), () => {
    schedule(TASKS[2], 0);
    schedule(TASKS[3], 0);
  });
  for (const task of TASKS) schedule(task, 0);
}

start();
