import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { EVENT_LOOP_PRECISION_MS } from '@/lib/metrics';
import { PRODUCTION_NODE_FLAGS } from '../tests/fixtures/servers';

export type RuntimeStats = { eventLoopDelayMs: { p50: number; p99: number; max: number }; rssBytes: number };
export type BenchServer = { url: string; stats: () => Promise<RuntimeStats>; stop: () => Promise<void> };

/** The production server as `npm start` runs it (dist/server.js from the last build). */
export async function startBenchServer(port: number, env: Record<string, string>): Promise<BenchServer> {
  const metricsPort = port + 1;
  const child: ChildProcess = spawn(process.execPath, [PRODUCTION_NODE_FLAGS, 'dist/server.js'], {
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', PORT: String(port), METRICS_PORT: String(metricsPort), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 60_000;
  while ((await status(`${url}/login`)) !== 200) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`The server did not start:\n${errors}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    stats: () => scrapeStats(`http://127.0.0.1:${metricsPort}/metrics`),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * The event loop's lateness since the last scrape (prom-client resets its histogram on each; a
 * reading includes one sampling interval, taken off here) and the memory in use, from /metrics.
 */
async function scrapeStats(url: string): Promise<RuntimeStats> {
  const text = await fetch(url).then((response) => response.text());
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const lateMs = (name: string) => Math.max(0, Math.round((value(name) * 1000 - EVENT_LOOP_PRECISION_MS) * 100) / 100);
  return {
    eventLoopDelayMs: {
      p50: lateMs('nodejs_eventloop_lag_p50_seconds'),
      p99: lateMs('nodejs_eventloop_lag_p99_seconds'),
      max: lateMs('nodejs_eventloop_lag_max_seconds'),
    },
    rssBytes: value('process_resident_memory_bytes'),
  };
}

function status(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on('error', () => resolve(null));
    req.end();
  });
}
