import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * Serves Prometheus text at /metrics on a listener of its own (METRICS_PORT, bound to
 * METRICS_HOST, localhost by default), never on the public port. With METRICS_TOKEN set, a
 * scrape must send it as a bearer token.
 */
export function startMetricsListener(
  registry: Registry,
  settings: { port: number; host: string; token: string | null },
): Server {
  const expected = settings.token ? Buffer.from(`Bearer ${settings.token}`) : null;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
      return;
    }
    const sent = Buffer.from(req.headers.authorization ?? '');
    if (expected && (sent.length !== expected.length || !timingSafeEqual(sent, expected))) {
      res
        .writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer' })
        .end('Unauthorized\n');
      return;
    }
    registry.metrics().then(
      (text) =>
        res
          .writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' })
          .end(text),
      () =>
        res
          .writeHead(500, { 'Content-Type': 'text/plain' })
          .end('Metrics could not be collected\n'),
    );
  });
  server.listen(settings.port, settings.host);
  return server;
}
