// Gatehouse's HTTP server: Next.js behind a thin layer that records who is really connecting
// (./client-address.ts), answers probes and malformed paths itself, and turns failures during a
// database outage into a plain 503 page. `npm run dev` and `npm start` both run it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import path from 'node:path';
import next from 'next';
import { ConfigError, getConfig } from '../lib/config';
import {
  CLIENT_IP_HEADER,
  createVoucher,
  PROTOCOL_HEADER,
  VOUCHER_HEADER,
} from '../lib/http/vouched-headers';
import { getLogger } from '../lib/logger';
import { metrics } from '../lib/metrics';
import { getDb, isMigrated } from '../lib/runtime';
import { resolveClientIp, resolveProtocol } from './client-address';
import { loadOrCreateDevCertificate } from './dev-certificate';
import { answerHealth, HEALTH_PATHS } from './health';
import { startMetricsListener } from './metrics-listener';
import { answerOutagesWith503 } from './outage-response';
import { hasValidPath, refuseMalformedPath } from './request-path';

const dev = process.argv.includes('--dev');
// --https: serve TLS with a self-signed localhost certificate (npm run start:https).
const https = process.argv.includes('--https');

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

async function main(): Promise<void> {
  const config = getConfig(); // fail fast with every bad variable named
  const voucher = createVoucher();
  const app = next({ dev, hostname: config.host, port: config.port });
  const handle = app.getRequestHandler();
  await app.prepare();

  const readiness = { migrated: isMigrated, ping: () => getDb().ping() };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (HEALTH_PATHS.has((req.url ?? '/').split('?')[0]!))
      return void answerHealth(req, res, readiness);
    if (!hasValidPath(req.url)) {
      getLogger().warn(
        { event: 'malformed_path', method: req.method, path: req.url?.slice(0, 200) },
        'request path is not valid percent-encoding',
      );
      return refuseMalformedPath(req, res);
    }
    const ip = resolveClientIp(
      req.socket.remoteAddress,
      first(req.headers['x-forwarded-for']),
      first(req.headers['x-real-ip']),
      config.trustProxyHops,
    );
    req.headers[VOUCHER_HEADER] = voucher;
    req.headers[CLIENT_IP_HEADER] = ip ?? 'unknown';
    req.headers[PROTOCOL_HEADER] = resolveProtocol(
      'encrypted' in req.socket && req.socket.encrypted === true,
      first(req.headers['x-forwarded-proto']),
      config.trustProxyHops,
    );
    answerOutagesWith503(req, res);
    void handle(req, res);
  };
  const server = https
    ? createHttpsServer(
        { ...(await loadOrCreateDevCertificate(path.resolve('data', 'tls'))), ...MODERN_TLS },
        listener,
      )
    : createServer(listener);
  server.listen(config.port, config.host, () => {
    const scheme = https ? 'https' : 'http';
    console.log(
      `Gatehouse ${dev ? '(development) ' : ''}listening on ${scheme}://${config.host}:${config.port}`,
    );
  });
  const metricsListener =
    config.metrics && startMetricsListener(metrics().registry, config.metrics);
  if (config.metrics)
    console.log(`Metrics on http://${config.metrics.host}:${config.metrics.port}/metrics`);
  // Stop taking requests, let those under way finish, and do not wait on idle keep-alive sockets.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      metricsListener?.close();
      server.close(() => process.exit(0));
      server.closeIdleConnections();
      setTimeout(() => process.exit(0), 5000).unref();
    });
  }
}

// TLS 1.2 with forward secrecy and authenticated encryption only, and TLS 1.3 (whose suites all
// are): no CBC, no static RSA key exchange (Mozilla's "intermediate" configuration).
const MODERN_TLS = {
  minVersion: 'TLSv1.2' as const,
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: true,
};

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
