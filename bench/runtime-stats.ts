import { EVENT_LOOP_PRECISION_MS } from '@/lib/metrics';

export type RuntimeStats = {
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  rssBytes: number;
};

/**
 * The server's event-loop lateness since the last scrape (prom-client resets its histogram on
 * each; a reading includes one sampling interval, taken off here) and its memory in use, read from
 * its /metrics listener.
 */
export async function scrapeRuntimeStats(metricsUrl: string): Promise<RuntimeStats> {
  const text = await fetch(metricsUrl).then((response) => response.text());
  const value = (name: string) =>
    Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const lateMs = (name: string) =>
    Math.max(0, Math.round((value(name) * 1000 - EVENT_LOOP_PRECISION_MS) * 100) / 100);
  return {
    eventLoopDelayMs: {
      p50: lateMs('nodejs_eventloop_lag_p50_seconds'),
      p99: lateMs('nodejs_eventloop_lag_p99_seconds'),
      max: lateMs('nodejs_eventloop_lag_max_seconds'),
    },
    rssBytes: value('process_resident_memory_bytes'),
  };
}
