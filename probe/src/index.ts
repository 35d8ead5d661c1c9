export { createProbe, type Probe, type ProbeDeps } from './create-probe.js';
export {
  type CheckedProbeConfig,
  type DiscoverySettings,
  loadProbeConfig,
  ProbeConfig,
  type ReportSettings,
  TargetConfig,
  type WriterSettings,
} from './config.js';
export { runRound, type RoundSettings, type RoundDeps, type RoundOutcome } from './round/round-engine.js';
export { ProbeRunner } from './round/probe-runner.js';
export { createCanaryChecker } from './round/canary-checker.js';
export type { Target, CheckCanary, CheckOutcome } from './round/types.js';
export { Reporter } from './report/reporter.js';
export { Spool } from './report/spool.js';
export { CloudflareWriter } from './writers/cloudflare/cloudflare-writer.js';
export { CloudflareWriterConfig } from './writers/cloudflare/config.js';
export { createRfc2136Writer, Rfc2136ConfigSchema } from './writers/rfc2136/index.js';
export type { CanaryWriter, CanaryWrite, WriteResult } from './writers/writer.js';
export { Querier, checkCanary, discoverTargets, identifyByChaos } from './querier/index.js';
export { ProbeMetrics } from './metrics/probe-metrics.js';
export { formatRoundTable } from './cli/format-table.js';
export { probeCommand } from './main.js';
