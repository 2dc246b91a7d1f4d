import type { IncomingMessage, ServerResponse } from 'node:http';
import { OUTAGE_RETRY_AFTER_SECONDS } from '../db/health';

// Health and readiness for load balancers and orchestrators, answered before Next.js: no
// session, no page, no log line, so probes every few seconds cost next to nothing.
//   /healthz  the process answers (never touches the database)
//   /readyz   migrations applied and the database answering within READY_TIMEOUT_MS

const READY_TIMEOUT_MS = 1000;
export const HEALTH_PATHS = new Set(['/healthz', '/readyz']);

export type Readiness = { migrated: () => boolean; ping: () => Promise<void> };

export async function answerHealth(
  req: IncomingMessage,
  res: ServerResponse,
  readiness: Readiness,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(res, 405, { status: 'method_not_allowed' }, { Allow: 'GET, HEAD' });
  if (path === '/healthz') return send(res, 200, { status: 'ok' });
  const problem = await checkReadiness(readiness);
  if (problem)
    return send(
      res,
      503,
      { status: 'unavailable', reason: problem },
      { 'Retry-After': String(OUTAGE_RETRY_AFTER_SECONDS) },
    );
  send(res, 200, { status: 'ready' });
}

async function checkReadiness({ migrated, ping }: Readiness): Promise<string | null> {
  if (!migrated()) return 'migrations not applied yet';
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>(
    (resolve) =>
      (timer = setTimeout(() => resolve('database did not answer in time'), READY_TIMEOUT_MS)),
  );
  const answer = ping().then(
    () => null,
    () => 'database not answering',
  );
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(text);
}
