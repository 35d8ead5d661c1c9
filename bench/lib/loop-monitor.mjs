/**
 * Preloaded into a measured process (`node --import ./loop-monitor.mjs …`): its event-loop delay histogram
 * (perf_hooks, 1 ms resolution) and the time its garbage collector took, written as JSON to
 * $LOOP_MONITOR_FILE when the process exits, counted from the last SIGUSR2 (sent when the load starts, so
 * start-up is left out), with the CPU time used meanwhile. Nothing in the measured code changes.
 */
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.LOOP_MONITOR_FILE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let gc = { count: 0, ms: 0, maxMs: 0, majorMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count += 1;
      gc.ms += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.majorMs += entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  let started = performance.now();
  let cpuStart = process.cpuUsage();
  process.on('SIGUSR2', () => {
    delay.reset();
    gc = { count: 0, ms: 0, maxMs: 0, majorMs: 0 };
    started = performance.now();
    cpuStart = process.cpuUsage();
  });
  process.on('exit', () => {
    const ms = (ns) => ns / 1e6;
    const cpu = process.cpuUsage(cpuStart);
    writeFileSync(
      file,
      JSON.stringify({
        wallMs: performance.now() - started,
        cpuMs: (cpu.user + cpu.system) / 1000,
        gc,
        loopDelayMs: {
          p50: ms(delay.percentile(50)),
          p90: ms(delay.percentile(90)),
          p99: ms(delay.percentile(99)),
          max: ms(delay.max),
          mean: ms(delay.mean),
        },
      }),
    );
  });
}
