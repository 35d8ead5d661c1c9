/** A stand-in aggregator and report fixtures for the reporter tests. */
import type { RoundReport } from '@propwatch/shared';
import Fastify, { type FastifyInstance } from 'fastify';

/** A stand-in aggregator that upserts by round id, like the real one, and can be switched off. */
export async function startStub(onReceive: (report: RoundReport) => void = () => {}) {
  const store = new Map<string, RoundReport>();
  const received: string[] = [];
  const state = { up: false, status: 503, auth: '' };
  const app: FastifyInstance = Fastify();
  app.post('/api/v1/rounds', async (request, reply) => {
    state.auth = String(request.headers.authorization);
    if (!state.up) return reply.code(state.status).send({ error: 'down' });
    const report = request.body as RoundReport;
    onReceive(report);
    received.push(`${report.round.id}:${report.round.state}`);
    const existing = store.get(report.round.id);
    // Never move a round backwards: a late progress report cannot undo a final one.
    if (!existing || existing.round.state === 'running') store.set(report.round.id, report);
    return reply.code(200).send({ ok: true });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, store, received, state, url: `http://127.0.0.1:${port}/api/v1/rounds` };
}

export function report(
  serial: number,
  state: RoundReport['round']['state'] = 'complete',
  elapsedMs = 100,
): RoundReport {
  return {
    wireVersion: 1,
    probe: { id: 'p1', region: 'test', version: '0.1.0' },
    round: {
      id: `p1-${serial}`,
      zone: 'z.test',
      record: 'p1._propwatch.z.test',
      serial: String(serial),
      startedAt: new Date(serial).toISOString(),
      state,
      elapsedMs,
      write: { submitToAckMs: 1 },
      pops: [],
    },
  };
}

export const quickSleep = () => new Promise<void>((resolve) => setTimeout(resolve, 2));
export const until = async (condition: () => boolean) => {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not reached');
};
