/**
 * A loopback port that is free for both UDP and TCP right now. named and
 * knotd cannot listen on port 0 and tell us the port, so we bind sockets,
 * note the port and release it; another process may take it before the
 * server binds, which the server starters detect and retry.
 */
import dgram from 'node:dgram';
import net from 'node:net';

/** Ports handed out already: servers started together must not be given the same one. */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = net.createServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const port = (tcp.address() as net.AddressInfo).port;
    const udp = dgram.createSocket('udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    udp.close();
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (udpFree && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port');
}
