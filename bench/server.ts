import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { PRODUCTION_NODE_FLAGS } from '../tests/fixtures/servers';

export type RuntimeStats = { eventLoopDelayMs: { p50: number; p99: number; max: number }; rssBytes: number };
export type BenchServer = { url: string; stats: () => Promise<RuntimeStats>; stop: () => Promise<void> };

/** The production server as `npm start` runs it (dist/server.js from the last build). */
export async function startBenchServer(port: number, env: Record<string, string>): Promise<BenchServer> {
  const child: ChildProcess = spawn(process.execPath, [PRODUCTION_NODE_FLAGS, 'dist/server.js'], {
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let pending: ((stats: RuntimeStats) => void) | null = null;
  let tail = '';
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
  child.stdout?.on('data', (chunk: Buffer) => {
    tail += chunk.toString();
    const lines = tail.split('\n');
    tail = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('"event":"runtime_stats"') || !pending) continue;
      const { eventLoopDelayMs, rssBytes } = JSON.parse(line) as RuntimeStats;
      pending({ eventLoopDelayMs, rssBytes });
      pending = null;
    }
  });
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 60_000;
  while ((await status(`${url}/login`)) !== 200) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`The server did not start:\n${errors}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    // server.ts logs event-loop delay (since the last reading) and memory on SIGUSR2.
    stats: () =>
      new Promise<RuntimeStats>((resolve) => {
        pending = resolve;
        child.kill('SIGUSR2');
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
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
