/* global document */
/**
 * propwatch dashboard: polls the read API every 2 s and redraws the banner,
 * the chart, the POP × probe table and the recent rounds. No framework, no
 * bundler; served with a strict CSP, so nothing here may use inline code, and
 * no string is ever parsed as HTML (text goes in through textContent).
 */
import { ApiError, adoptTokenFromUrl, getJson, promptForToken } from './api-client.js';
import { renderBanner } from './banner.js';
import { createChart } from './chart.js';
import { el, formatClock } from './format.js';
import { renderPopTable } from './pop-table.js';
import { renderRounds } from './rounds-list.js';

const POLL_MS = 2000;
const ROUNDS_LIMIT = 100;

const connection = document.getElementById('connection');
const updated = document.getElementById('updated');
let chart;
let polls = 0;

function showProblem(error) {
  connection.hidden = false;
  const children = [el('span', { text: error.message })];
  if (error instanceof ApiError && error.status === 401) {
    const button = el('button', { text: 'Enter read token' });
    button.type = 'button';
    button.addEventListener('click', () => {
      if (promptForToken()) void loop();
    });
    children.push(button);
  }
  connection.replaceChildren(...children);
  document.getElementById('banner').classList.add('outdated');
}

async function poll() {
  try {
    const [status, probes, rounds, history] = await Promise.all([
      getJson('/api/v1/status'),
      getJson('/api/v1/probes'),
      getJson(`/api/v1/rounds?limit=${ROUNDS_LIMIT}`),
      getJson('/api/v1/history?window=30m'),
    ]);
    const thresholds = { alarmAboveMs: history.alarmAboveMs, clearBelowMs: history.clearBelowMs };
    renderBanner(status);
    chart.update(history);
    renderPopTable(document.getElementById('pop-table'), { probes: probes.probes, rounds: rounds.rounds, thresholds });
    renderRounds(document.getElementById('rounds'), { rounds: rounds.rounds, thresholds });
    connection.hidden = true;
    updated.textContent = `updated ${formatClock(new Date().toISOString())}`;
    document.body.dataset.polls = String(++polls);
    return true;
  } catch (error) {
    showProblem(error);
    return !(error instanceof ApiError && error.status === 401);
  }
}

async function loop() {
  // Stop on 401 until a token is entered (the button polls again); keep trying on anything else.
  if (await poll()) setTimeout(loop, POLL_MS);
}

function start() {
  adoptTokenFromUrl();
  chart = createChart(document.getElementById('chart'), document.getElementById('chart-hint'));
  void loop();
}

start();
