// Preloaded with `node --expose-gc --import <this file>` into a component
// process by the soak test: answers the parent's {type: 'sample'} messages
// with memory figures taken after a full garbage collection, so heapUsed
// shows live objects rather than garbage not yet collected.
if (process.send) {
  process.on('message', (message) => {
    if (!message || message.type !== 'sample') return;
    globalThis.gc?.();
    globalThis.gc?.();
    const memory = process.memoryUsage();
    process.send({ type: 'sample', id: message.id, rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external });
  });
  // The listener must not keep a component alive that wants to exit.
  process.channel?.unref();
}
