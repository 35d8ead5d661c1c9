/**
 * Replicas plugin: on a store several replicas share (PostgreSQL), keeps this replica's status in step with the
 * others through the store's peer feed (replicas/peer-feed.ts). Rounds stored by any replica feed the status
 * tracker (recordPeer skips those it applied already), so every replica evaluates the same rounds; a transition
 * committed by another replica is adopted (version, state, since, reason) and wakes the outbox deliverer.
 * After every (re)connect it catches up with a read of the rounds of the last CATCH_UP_MARGIN_MS before it last
 * heard anything, and the status row: a notification lost while not listening loses nothing. No-op on SQLite.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { StoredRound } from '../storage/round-store.js';
import { peerFeedSource } from '../replicas/peer-feed.js';
import './decorators.js';

/**
 * How far before the last round heard a catch-up read starts: covers the replicas' clock skew (receivedAt is
 * the ingesting replica's clock) and a report stamped before, but committed after, the last one heard.
 */
export const CATCH_UP_MARGIN_MS = 60_000;

async function replicasPlugin(app: FastifyInstance): Promise<void> {
  const source = peerFeedSource(app.store);
  if (!source) return;
  const log = app.log.child({ component: 'replicas' });
  // Rounds up to here are known (the status plugin restored the window before it).
  let heardUpTo = app.clock.now();
  const apply = (rounds: readonly StoredRound[]) => {
    for (const round of rounds) {
      app.statusTracker.recordPeer(round);
      heardUpTo = Math.max(heardUpTo, round.receivedAt);
    }
  };
  const catchUp = async () => {
    const from = heardUpTo - CATCH_UP_MARGIN_MS;
    try {
      apply(await app.store.roundsSince(from));
      app.transitions.adopt(await app.store.statusRow());
      app.webhooks?.outboxChanged();
    } catch (error) {
      log.warn({ err: error }, 'catching up with the other replicas failed; tried again at the next reconnect');
    }
  };
  let feed: ReturnType<typeof source.listenToPeers> | undefined;
  app.addHook('onReady', async () => {
    feed = source.listenToPeers({
      onRounds: apply,
      onStatus: (row) => {
        app.transitions.adopt(row);
        app.webhooks?.outboxChanged();
      },
      catchUp: () => void catchUp(),
      onError: (error) => log.warn({ err: error }, 'listening to the other replicas failed; reconnecting'),
    });
  });
  app.addHook('onClose', async () => feed?.close());
}

export default fp(replicasPlugin, {
  name: 'propwatch-replicas',
  fastify: '5.x',
  dependencies: ['propwatch-status', 'propwatch-notify'],
});
