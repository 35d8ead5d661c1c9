/* global document */
/**
 * propwatch dashboard. GET /api/v1/matrix gives the status and the POP × probe figures of the same evaluation,
 * so banner and table never disagree. It is read when the status stream (status-stream.js) announces a change
 * (at most every 250 ms) and every 5 s besides, for figures that move without changing the status; while the
 * stream is down, every 2 s as before. Heavier reads less often: the recent rounds every 10 s,
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
import { openStatusStream } from './status-stream.js';

const STATUS_MS = 2_000;
const LIVE_MATRIX_MS = 5_000;
const EVENT_GAP_MS = 250;
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
let stream = null;
let streamLive = false;
let lastMatrixAt = -Infinity;

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
      stream?.restart();
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
    every: () => (streamLive ? LIVE_MATRIX_MS : STATUS_MS),
    async run(trigger) {
      const previousState = lastMatrix?.status.state;
      lastMatrixAt = Date.now();
      lastMatrix = await getJson('/api/v1/matrix');
      renderBanner(lastMatrix.status);
      // What brought the state change to the page: a stream event, or the timer (the stream was down or late).
      if (previousState !== lastMatrix.status.state) document.getElementById('banner').dataset.changedBy = trigger;
      // A state change shows on the chart and the rounds at once, not at their next slower refresh.
      if (previousState !== undefined && previousState !== lastMatrix.status.state) {
        for (const task of TASKS.slice(1)) schedule(task, 0);
      }
      drawTable();
      document.getElementById('banner').classList.remove('outdated');
      updated.textContent = `updated ${formatClock(new Date().toISOString())}${streamLive ? ' · live' : ''}`;
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

async function runTask(task, trigger) {
  timers.delete(task.name);
  if (blocked) return;
  task.running = true;
  try {
    await task.run(trigger);
    if (task.name === 'matrix') connection.hidden = true;
  } catch (error) {
    showProblem(error);
    if (error instanceof ApiError && error.status === 401) return; // until a token is entered
  } finally {
    task.running = false;
  }
  // A request to run again that came while this run was in flight (a stream event) is kept, not lost.
  if (task.again) {
    const again = task.again;
    task.again = null;
    schedule(task, 0, again);
  } else schedule(task, task.every());
}

function schedule(task, delayMs, trigger = 'timer') {
  if (task.running) {
    task.again = trigger;
    return;
  }
  clearTimeout(timers.get(task.name));
  timers.set(
    task.name,
    setTimeout(() => void runTask(task, trigger), delayMs),
  );
}

/** A status event: the matrix (banner and table together) is read now, or 250 ms after the previous read. */
function onStatusEvent() {
  const wait = Math.max(0, lastMatrixAt + EVENT_GAP_MS - Date.now());
  schedule(TASKS[0], wait, 'event');
  document.body.dataset.streamEvents = String(Number(document.body.dataset.streamEvents ?? 0) + 1);
}

function onStreamLive(live) {
  if (live === streamLive) return;
  streamLive = live;
  document.body.dataset.stream = live ? 'live' : 'down';
  // Down: back to polling every 2 s from now, not at the end of the 10 s live interval.
  if (!live && !TASKS[0].running && !TASKS[0].again) schedule(TASKS[0], STATUS_MS);
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
  document.body.dataset.stream = 'down';
  stream = openStatusStream({ onStatus: onStatusEvent, onLive: onStreamLive });
}

start();
