/**
 * Checks at start that the configured source addresses can carry queries:
 * binds a UDP socket and a TCP listener to each (port 0) and releases them.
 * An address that is not on this host (EADDRNOTAVAIL), or a typo, is then an
 * error naming it before the first round, rather than every query of every
 * round failing as a `network` failure.
 */
import dgram from 'node:dgram';
import net from 'node:net';

export interface SourceAddresses {
  v4?: string | undefined;
  v6?: string | undefined;
}

/** The first address that cannot be bound, with why; undefined when all can (or none is set). */
export async function findUnbindableSource(
  bind: SourceAddresses,
): Promise<{ family: 4 | 6; address: string; reason: string } | undefined> {
  for (const family of [4, 6] as const) {
    const address = family === 4 ? bind.v4 : bind.v6;
    if (address === undefined) continue;
    const reason = (await bindUdp(address, family)) ?? (await bindTcp(address));
    if (reason !== undefined) return { family, address, reason };
  }
  return undefined;
}

function bindUdp(address: string, family: 4 | 6): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(family === 4 ? { type: 'udp4' } : { type: 'udp6', ipv6Only: true });
    socket.once('error', (error) => {
      socket.close();
      resolve(`binding a UDP socket failed: ${error.message}`);
    });
    socket.bind(0, address, () => socket.close(() => resolve(undefined)));
  });
}

function bindTcp(address: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error) => resolve(`binding a TCP socket failed: ${error.message}`));
    server.listen({ port: 0, host: address, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
