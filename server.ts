// Gatehouse's HTTP server: Next.js behind a thin layer that records who is really connecting.
// Next.js alone passes a client's own X-Forwarded-For through as if it were the peer address, so
// per-IP throttling would be trivially dodged; here the address comes from the socket, or from
// the proxies TRUST_PROXY says to believe (lib/forwarded.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import next from 'next';
import { loadOrCreateDevCertificate } from './lib/dev-certificate';
import {
  CLIENT_IP_HEADER,
  createVoucher,
  PROTOCOL_HEADER,
  resolveClientIp,
  resolveProtocol,
  VOUCHER_HEADER,
} from './lib/forwarded';
import { ConfigError, getConfig } from './lib/config';
import { getLogger } from './lib/logger';
import { answerOutagesWith503 } from './lib/http/outage-response';

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

  const listener = (req: IncomingMessage, res: ServerResponse) => {
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
    ? createHttpsServer(await loadOrCreateDevCertificate(path.resolve('data', 'tls')), listener)
    : createServer(listener);
  server.listen(config.port, config.host, () => {
    const scheme = https ? 'https' : 'http';
    console.log(`Gatehouse ${dev ? '(development) ' : ''}listening on ${scheme}://${config.host}:${config.port}`);
  });
  reportRuntimeStatsOnSignal();
  // Stop taking requests, let those under way finish, and do not wait on idle keep-alive sockets.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      server.close(() => process.exit(0));
      server.closeIdleConnections();
      setTimeout(() => process.exit(0), 5000).unref();
    });
  }
}

// `kill -USR2 <pid>` logs one JSON line: how late the event loop ran its timers since the last
// such line, and the memory in use. The benchmark reads it (npm run bench); an operator can too.
const DELAY_RESOLUTION_MS = 10;

function reportRuntimeStatsOnSignal(): void {
  const delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  delay.enable();
  // The histogram holds the time between timer ticks; the lateness is what exceeds the interval.
  const lateMs = (ns: number) => Math.max(0, Math.round(ns / 1e4 - DELAY_RESOLUTION_MS * 100) / 100);
  process.on('SIGUSR2', () => {
    const memory = process.memoryUsage();
    getLogger().info(
      {
        event: 'runtime_stats',
        eventLoopDelayMs: { p50: lateMs(delay.percentile(50)), p99: lateMs(delay.percentile(99)), max: lateMs(delay.max) },
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
      },
      'runtime stats',
    );
    delay.reset();
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
