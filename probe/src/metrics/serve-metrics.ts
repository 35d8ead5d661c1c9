/** The probe's `GET /metrics` (metrics.host, metrics.port): the registry as Prometheus text, nothing else. */
import { createServer, type Server } from 'node:http';
import { listenFailure, type Logger } from '@propwatch/shared';
import type { ProbeMetrics } from './probe-metrics.js';

/** Listens on `host:port` (0: any free port) and resolves once listening; the caller closes the server. */
export function serveMetrics(
  metrics: ProbeMetrics,
  host: string,
  port: number,
  logger: Pick<Logger, 'info'>,
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') return void response.writeHead(404).end('not found\n');
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (error: Error) => response.writeHead(500).end(`${error.message}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(listenFailure(error, host, port, 'metrics.port')));
    server.listen(port, host, () => {
      const address = server.address();
      logger.info(
        { metrics: `http://${host}:${typeof address === 'object' && address ? address.port : port}/metrics` },
        'metrics listening',
      );
      resolve(server);
    });
  });
}
