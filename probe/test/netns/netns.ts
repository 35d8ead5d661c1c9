/**
 * A small anycast network in Linux network namespaces, for the kernel
 * anycast test: a probe namespace and two POP namespaces, joined by veth
 * pairs created directly between the namespaces (nothing is added to the
 * host's own namespace: no interface, no address, no route).
 *
 * ```
 *   probe ns: lo 10.53.9.1 (the probe's source), 10.53.9.2 (the zone's primary)
 *     to-lhr 10.53.1.1 ── 10.53.1.2 to-probe   lhr ns: lo 10.53.0.1/32 (anycast)
 *     to-fra 10.53.2.1 ── 10.53.2.2 to-probe   fra ns: lo 10.53.0.1/32 (anycast)
 *     10.53.0.1/32 via 10.53.1.2 (the catchment: LHR; `routeAnycastVia` moves it)
 * ```
 *
 * Every namespace name carries this process's pid, so runs never collide,
 * and `destroy()` (also run from a process exit/signal hook) kills every
 * process still inside them and deletes them.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

export const ANYCAST = '10.53.0.1';
export const PROBE_SOURCE = '10.53.9.1';
export const PRIMARY = '10.53.9.2';
/** The POP side of each POP's link to the probe namespace (its unicast address). */
export const POP_LINK = { lhr: '10.53.1.2', fra: '10.53.2.2' } as const;
export type PopName = keyof typeof POP_LINK;

export interface AnycastNet {
  probe: string;
  pops: Record<PopName, string>;
  /** `ip route replace ANYCAST/32 via <pop link>` in the probe namespace: moves the catchment. */
  routeAnycastVia(pop: PopName): void;
  /** Runs `command` inside `namespace` to completion (bounded); throws with its output when it fails. */
  exec(namespace: string, command: string[], timeoutMs?: number): string;
  destroy(): void;
}

/** Why the test cannot build namespaces here, or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and veth pairs)';
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (listed.error || listed.status !== 0)
    return `\`ip netns\` is unavailable (install iproute2): ${listed.error?.message ?? listed.stderr.trim()}`;
  return undefined;
}

function ip(args: string[]): void {
  const result = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (result.error || result.status !== 0)
    throw new Error(`ip ${args.join(' ')} failed: ${result.error?.message ?? result.stderr.trim()}`);
}

const created = new Set<string>();
/** Temp dirs of the servers and the probe, removed with the namespaces when the process exits or is signalled. */
const dirs = new Set<string>();
let hooked = false;

/** Removes `dir` when the process exits, also on SIGINT/SIGTERM/SIGHUP (an orderly stop removes it earlier). */
export function removeOnExit(dir: string): void {
  dirs.add(dir);
}

function removeEverything(): void {
  removeNamespaces(created);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** Kills what runs inside our namespaces (only they hold our servers), then deletes them. */
function removeNamespaces(names: Iterable<string>): void {
  for (const name of [...names]) {
    const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '';
    for (const pid of pids.split('\n').filter((line) => /^\d+$/.test(line))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    spawnSync('ip', ['netns', 'del', name]);
    created.delete(name);
  }
}

function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', removeEverything);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      removeEverything();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Namespaces an earlier run of this test left behind when its process was
 * SIGKILLed (no exit hook runs then): named after a pid that is gone.
 */
function removeLeftovers(): void {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  const stale = [...listed.matchAll(/^(pw-anycast-(\d+)-[a-z]+)\b/gm)].filter(([, , pid]) => !alive(Number(pid)));
  removeNamespaces(stale.map(([, name]) => name!));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function createAnycastNet(): AnycastNet {
  hookProcessExit();
  removeLeftovers();
  const prefix = `pw-anycast-${process.pid}`;
  const probe = `${prefix}-probe`;
  const pops = { lhr: `${prefix}-lhr`, fra: `${prefix}-fra` };
  const names = [probe, pops.lhr, pops.fra];
  try {
    for (const name of names) {
      ip(['netns', 'add', name]);
      created.add(name);
      ip(['-n', name, 'link', 'set', 'lo', 'up']);
    }
    ip(['-n', probe, 'addr', 'add', `${PROBE_SOURCE}/32`, 'dev', 'lo']);
    ip(['-n', probe, 'addr', 'add', `${PRIMARY}/32`, 'dev', 'lo']);
    for (const [index, pop] of (['lhr', 'fra'] as const).entries()) {
      const net = `10.53.${index + 1}`;
      ip(['-n', probe, 'link', 'add', `to-${pop}`, 'type', 'veth', 'peer', 'name', 'to-probe', 'netns', pops[pop]]);
      ip(['-n', probe, 'addr', 'add', `${net}.1/24`, 'dev', `to-${pop}`]);
      ip(['-n', probe, 'link', 'set', `to-${pop}`, 'up']);
      ip(['-n', pops[pop], 'addr', 'add', `${POP_LINK[pop]}/24`, 'dev', 'to-probe']);
      ip(['-n', pops[pop], 'link', 'set', 'to-probe', 'up']);
      ip(['-n', pops[pop], 'addr', 'add', `${ANYCAST}/32`, 'dev', 'lo']);
      // Answers to the probe's source and transfers from the primary go back over the same link.
      ip(['-n', pops[pop], 'route', 'add', '10.53.9.0/24', 'via', `${net}.1`]);
    }
    ip(['-n', probe, 'route', 'add', `${ANYCAST}/32`, 'via', POP_LINK.lhr]);
  } catch (error) {
    removeNamespaces(names);
    throw error;
  }
  return {
    probe,
    pops,
    routeAnycastVia: (pop) => ip(['-n', probe, 'route', 'replace', `${ANYCAST}/32`, 'via', POP_LINK[pop]]),
    exec(namespace, command, timeoutMs = 10_000) {
      const result = spawnSync('ip', ['netns', 'exec', namespace, ...command], {
        encoding: 'utf8',
        timeout: timeoutMs,
      });
      if (result.error || result.status !== 0)
        throw new Error(
          `${command.join(' ')} in ${namespace} failed: ${result.error?.message ?? `exit ${result.status}`}\n${result.stdout}${result.stderr}`,
        );
      return result.stdout;
    },
    destroy: () => removeNamespaces(names),
  };
}
