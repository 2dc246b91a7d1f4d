import { Agent, request } from 'node:http';
import { median } from './micro';

export type ProbeResult = {
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  sent: number;
  ok: number;
  failed: number;
};

export type ProbeOptions = {
  url: string;
  /** Requests per second, each sent on schedule whether or not earlier ones have answered. */
  rate: number;
  cookie: string;
  seconds?: number;
  /** Stops the probe when this settles (instead of after `seconds`). */
  until?: Promise<unknown>;
};

/**
 * What one user browsing at a steady pace sees: requests at fixed intervals, timed one by one.
 * autocannon's rate limit sends each second's requests back to back and then waits, so its
 * latencies measure its own bursts queueing; a fixed schedule measures the server.
 */
export async function probe(options: ProbeOptions): Promise<ProbeResult> {
  const agent = new Agent({ keepAlive: true });
  const latencies: number[] = [];
  let sent = 0;
  let failed = 0;
  const pending = new Set<Promise<void>>();
  const send = () => {
    sent++;
    const start = performance.now();
    const answered = new Promise<void>((resolve) => {
      const req = request(options.url, { agent, headers: { cookie: options.cookie } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - start);
          else failed++;
          resolve();
        });
      });
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end();
    });
    pending.add(answered);
    void answered.then(() => pending.delete(answered));
  };
  const timer = setInterval(send, 1000 / options.rate);
  await (
    options.until ?? new Promise((resolve) => setTimeout(resolve, (options.seconds ?? 10) * 1000))
  ).catch(() => undefined);
  clearInterval(timer);
  await Promise.all(pending);
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN) * 10) /
    10;
  return {
    latencyMs: {
      p50: Math.round(median(sorted) * 10) / 10,
      p90: at(0.9),
      p99: at(0.99),
      max: at(1),
    },
    sent,
    ok: latencies.length,
    failed,
  };
}
