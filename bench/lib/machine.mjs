/** What the figures were measured on: CPU model, cores, memory, Node and tool versions. */
import { cpus, totalmem } from 'node:os';

export function describeMachine() {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    date: new Date().toISOString(),
  };
}
