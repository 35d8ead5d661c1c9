// Preloaded with `node --expose-gc --import <this file>` into a component
// process by the soak test: answers the parent's {type: 'sample'} messages
// with memory figures taken after a full garbage collection, so heapUsed
// shows live objects rather than garbage not yet collected, and with the
// process's RSS (from /proc, split into anonymous, file and shared memory).
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const SETTLE_MS = 1000;

if (process.send) {
  process.on('message', (message) => {
    if (!message || message.type !== 'sample') return;
    globalThis.gc?.();
    globalThis.gc?.();
    // The heap is read at once: it then holds only live objects.
    const heap = process.memoryUsage();
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
    // V8 returns the pages a full GC freed on a background thread; reading RSS
    // at once would count them (tens of MiB in a busy process, differing from
    // one sample to the next), so RSS is read after that has settled.
    setTimeout(() => {
      const status = readFileSync('/proc/self/status', 'utf8');
      const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
      process.send({
        type: 'sample',
        id: message.id,
        heapUsed: heap.heapUsed,
        heapTotal: heap.heapTotal,
        external: heap.external,
        newSpace: spaces.new_space ?? 0,
        rss: kib('VmRSS'),
        rssAnon: kib('RssAnon'),
        rssFile: kib('RssFile'),
        rssShmem: kib('RssShmem'),
      });
    }, SETTLE_MS);
  });
  // The listener must not keep a component alive that wants to exit.
  process.channel?.unref();
}
