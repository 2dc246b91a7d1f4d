import autocannon from 'autocannon';

// `errors` counts connections cut or timed out (including requests still in flight when a timed
// run stops); `non2xx` counts answers other than success.
export type LoadResult = {
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number };
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
};

export type LoadOptions = {
  url: string;
  seconds?: number;
  amount?: number;
  connections: number;
  /** Requests per second across all connections; unlimited when absent. */
  rate?: number;
  method?: 'GET' | 'POST';
  /** Cookie headers to cycle through, one per request. */
  cookies?: string[];
  /** JSON bodies to cycle through, one per request. */
  bodies?: unknown[];
};

/** Drives the server with autocannon and keeps the figures the benchmark reports. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  let next = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 10 }),
    ...(options.rate ? { overallRate: options.rate } : {}),
    method: options.method ?? 'GET',
    headers: options.bodies ? { 'content-type': 'application/json' } : {},
    requests: [
      {
        setupRequest: (request) => {
          const i = next++;
          const headers = { ...request.headers };
          if (options.cookies) headers.cookie = options.cookies[i % options.cookies.length]!;
          const body = options.bodies
            ? JSON.stringify(options.bodies[i % options.bodies.length])
            : undefined;
          return { ...request, headers, ...(body ? { body } : {}) };
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99 },
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: result.duration,
  };
}
