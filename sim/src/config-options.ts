/**
 * A loaded propwatch-sim configuration as startSimNetwork() options: the one
 * place the CLI's keys meet the in-process API, so a config file means the
 * same as the options a test passes.
 */
import type { SimConfig } from './config-schema.js';
import { type PopFault, parseFaultArg } from './faults.js';
import type { SimNetworkOptions } from './sim-options.js';

export function simOptionsFromConfig(config: SimConfig): SimNetworkOptions {
  const faults: Record<string, PopFault> = {};
  for (const text of config.faults) {
    const { pop, fault } = parseFaultArg(text);
    faults[pop] = fault;
  }
  return {
    zone: config.zone,
    ...(config.zoneId ? { zoneId: config.zoneId } : {}),
    ...(config.apiToken ? { apiToken: config.apiToken } : {}),
    ...(config.adminToken ? { adminToken: config.adminToken } : {}),
    pops: config.pops,
    seed: config.seed,
    timeScale: config.timeScale,
    apiHost: config.apiHost,
    apiPort: config.apiPort,
    allowNonLoopback: config.allowNonLoopback,
    defaultAddress: config.dnsAddress,
    dnsPortBase: config.dnsPortBase,
    nsidTemplate: config.nsidTemplate,
    minTtl: config.minTtl,
    historyVersions: config.historyVersions,
    faults,
    anycast: config.anycast,
    anycastPort: config.anycastPort,
    vantages: config.vantages,
    vantagesOnUnicast: config.vantagesOnUnicast,
    udpLossRate: config.udpLossRate,
    reroutes: config.reroutes,
    maxPendingPerVantage: config.maxPendingPerVantage,
    maxPendingBytesPerVantage: config.maxPendingBytesPerVantage,
    answerLogSize: config.answerLogSize,
  };
}
