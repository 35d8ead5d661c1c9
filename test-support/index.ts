/**
 * Helpers shared by the test suites of several packages (hostile-input and
 * resource tests). Test code only: no package imports this.
 */
import dgram from 'node:dgram';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mulberry32, type Random } from '../sim/src/prng.js';

export type Rng = Random;

/** The sim's seeded generator (mulberry32), so a failing hostile input can be replayed from its seed. */
export const seededRng: (seed: number) => Rng = mulberry32;

let gc: (() => void) | undefined;

/** heapUsed after two full collections. --expose-gc cannot be set per vitest file; V8 accepts it at run time. */
export function heapAfterGc(): number {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** An IPv4 UDP socket bound to `address:port` (port 0: any). */
export const bindUdp = (address: string, port: number) =>
  new Promise<dgram.Socket>((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, address, () => resolve(socket));
  });
