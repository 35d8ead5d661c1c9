/** The pure parts of `npm start`: its command line, its data directory and what it prints from the read API. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MARKER, prepareDataDir } from '../start/data-dir.mjs';
import { chooseStuckPop, parseStartArgs } from '../start/options.mjs';
import { createRoundFeed, describeRound } from '../start/watch-api.mjs';

describe('npm start command line', () => {
  it('an unknown flag is a problem naming it, not an exception', () => {
    expect(parseStartArgs(['--stuck-pops', 'LHR'], '/r')).toEqual({
      problem: expect.stringContaining("'--stuck-pops'"),
    });
    expect(parseStartArgs(['stray'], '/r')).toEqual({ problem: expect.stringContaining("'stray'") });
    expect(parseStartArgs(['--pops'], '/r')).toEqual({ problem: expect.stringContaining('--pops') });
  });

  it('bounds are checked with the flag named', () => {
    expect(parseStartArgs(['--pops', '0'], '/r')).toEqual({ problem: '--pops 0: expected an integer from 1 to 500' });
    expect(parseStartArgs(['--port', '80.5'], '/r')).toEqual({
      problem: '--port 80.5: expected an integer from 1 to 65535',
    });
    expect(parseStartArgs(['--scenario', 'flood'], '/r')).toEqual({
      problem: '--scenario flood: expected stuck or none',
    });
  });

  it('defaults: a fresh .data/demo, LHR-stuck scenario', () => {
    const { settings } = parseStartArgs([], '/r');
    expect(settings).toMatchObject({ pops: 14, probes: 3, port: 8080, dataDir: '/r/.data/demo', keepData: false });
    expect(parseStartArgs(['--keep-data', '--stuck-pop', 'nrt'], '/r').settings).toMatchObject({
      keepData: true,
      stuckPop: 'NRT',
    });
  });

  it('an unknown stuck POP names the POPs there are', () => {
    expect(chooseStuckPop(undefined, ['SJC', 'LHR'])).toEqual({ pop: 'LHR' });
    expect(chooseStuckPop(undefined, ['SJC', 'NRT'])).toEqual({ pop: 'NRT' });
    expect(chooseStuckPop('FRA', ['SJC', 'LHR', 'NRT'])).toEqual({
      problem: '--stuck-pop FRA: no such POP; the 3 POPs are SJC LHR NRT (see --pops)',
    });
  });
});

describe('npm start data directory', () => {
  const fresh = () => mkdtempSync(join(tmpdir(), 'propwatch-start-'));

  it('empties what a previous run left, unless --keep-data', () => {
    const dir = join(fresh(), 'demo');
    expect(prepareDataDir(dir, false)).toEqual({ dir });
    writeFileSync(join(dir, 'aggregator.db'), 'old rounds');
    mkdirSync(join(dir, 'demo-1', 'spool'), { recursive: true });
    expect(prepareDataDir(dir, true)).toEqual({ dir });
    expect(existsSync(join(dir, 'aggregator.db'))).toBe(true);
    expect(prepareDataDir(dir, false)).toEqual({ dir });
    expect(readdirSync(dir).sort()).toEqual([MARKER, 'logs']);
  });

  it('never empties a directory it did not make', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'thesis.tex'), 'irreplaceable');
    expect(prepareDataDir(dir, false)).toEqual({ problem: expect.stringContaining('not made by npm start') });
    expect(readdirSync(dir)).toEqual(['thesis.tex']);
  });

  it("the default directory is the demo's even when an older npm start left it without the marker", () => {
    const dir = fresh();
    writeFileSync(join(dir, 'aggregator.db'), 'rounds of an older demo');
    expect(prepareDataDir(dir, false, true)).toEqual({ dir });
    expect(readdirSync(dir).sort()).toEqual([MARKER, 'logs']);
  });
});

describe('npm start round lines', () => {
  const round = (id: string, state: string, pops: object[]) => ({
    id,
    state,
    probe: { id: 'demo-1' },
    write: { error: 'HTTP 500' },
    pops,
  });

  it('each finished round once, oldest first; old rounds of a kept directory are not news', () => {
    const feed = createRoundFeed();
    expect(feed([round('r1', 'complete', [])])).toEqual([]);
    const next = feed([round('r3', 'running', []), round('r2', 'complete', []), round('r1', 'complete', [])]);
    expect(next.map((r: { id: string }) => r.id)).toEqual(['r2']);
    const later = feed([round('r4', 'write_failed', []), round('r3', 'complete', []), round('r2', 'complete', [])]);
    expect(later.map((r: { id: string }) => r.id)).toEqual(['r3', 'r4']);
  });

  it('names the worst POP, the timeouts and a failed write', () => {
    const pops = [
      { pop: 'SJC', state: 'propagated', lowerMs: 100, estimateMs: 300 },
      { pop: 'LHR', state: 'timeout', lowerMs: 2500 },
      { pop: 'NRT', state: 'timeout', lowerMs: 2400 },
    ];
    expect(describeRound(round('r', 'complete', pops))).toBe('demo-1  round complete worst LHR 2.50 s, 2 timeouts');
    expect(describeRound(round('r', 'write_failed', []))).toBe(
      'demo-1  round write_failed worst - WRITE FAILED: HTTP 500',
    );
  });
});
