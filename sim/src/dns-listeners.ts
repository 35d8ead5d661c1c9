/**
 * The sim's DNS sockets: one UDP+TCP pair per POP on its unicast address,
 * and one per anycast address, all on the same port. Every query goes to the
 * router with the address it came in on; the sockets know nothing of
 * vantages or POPs.
 */
import type { AnycastSpec } from './anycast-addresses.js';
import { type DnsRequest, DnsTransport } from './dns-transport.js';
import type { Via } from './query-router.js';
import type { PopDefinition } from './topology.js';

export interface AnycastListener extends AnycastSpec {
  port: number;
  /** Transport trouble on this address (a cut TCP stream, connections beyond the limit); never fatal. */
  transportErrors: number;
}

export interface DnsListeners {
  /** Port of each POP's unicast address, in the order of `pops`. */
  unicastPorts: number[];
  anycast: AnycastListener[];
  close(): Promise<void>;
}

export interface DnsListenerOptions {
  pops: readonly PopDefinition[];
  anycast: readonly AnycastSpec[];
  /** Port of every anycast address; 0 = a free port, the same for all of them (as `:53` is for a real provider). */
  anycastPort: number;
  route: (request: DnsRequest, via: Via) => void;
  /** Transport trouble on a POP's unicast address. */
  onUnicastError: (pop: string, error: Error) => void;
  onAnycastError?: (name: string, error: Error) => void;
}

const SHARED_PORT_ATTEMPTS = 20;

export async function startDnsListeners(options: DnsListenerOptions): Promise<DnsListeners> {
  const transports: DnsTransport[] = [];
  const closeAll = () => Promise.allSettled(transports.map((t) => t.close())).then(() => undefined);
  try {
    for (const def of options.pops) {
      const transport = await DnsTransport.listen({
        address: def.address,
        port: def.port,
        handler: (request) => options.route(request, { kind: 'unicast', pop: def.name }),
        onError: (error) => options.onUnicastError(def.name, error),
      }).catch((error: Error) => {
        throw new Error(`POP ${def.name}: cannot listen on ${def.address}:${def.port || '(random)'}: ${error.message}`);
      });
      transports.push(transport);
    }
    const unicastPorts = transports.map((t) => t.port);
    const anycast = await listenAnycast(options, transports);
    return { unicastPorts, anycast, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Binds every anycast address on one port; with port 0 the first picks it, and a clash on another retries. */
async function listenAnycast(options: DnsListenerOptions, transports: DnsTransport[]): Promise<AnycastListener[]> {
  if (options.anycast.length === 0) return [];
  const attempts = options.anycastPort === 0 ? SHARED_PORT_ATTEMPTS : 1;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const bound: DnsTransport[] = [];
    const listeners: AnycastListener[] = [];
    let port = options.anycastPort;
    try {
      for (const spec of options.anycast) {
        const listener: AnycastListener = { ...spec, port, transportErrors: 0 };
        const transport = await DnsTransport.listen({
          address: spec.address,
          port,
          handler: (request) => options.route(request, { kind: 'anycast', name: spec.name }),
          onError: (error) => {
            listener.transportErrors++;
            options.onAnycastError?.(spec.name, error);
          },
        }).catch((error: NodeJS.ErrnoException) => {
          throw Object.assign(
            new Error(`anycast ${spec.name}: cannot listen on ${spec.address}:${port || '(random)'}: ${error.message}`),
            { code: error.code },
          );
        });
        bound.push(transport);
        port = transport.port;
        listener.port = port;
        listeners.push(listener);
      }
      transports.push(...bound);
      return listeners;
    } catch (error) {
      lastError = error as Error;
      await Promise.allSettled(bound.map((t) => t.close()));
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
    }
  }
  throw lastError ?? new Error('bug: no anycast listener and no error');
}
