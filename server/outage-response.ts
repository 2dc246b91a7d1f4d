import type { IncomingMessage, ServerResponse } from 'node:http';
import { currentOutage, OUTAGE_RETRY_AFTER_SECONDS } from '../db/health';
import { plainPage } from '../lib/http/plain-page';

// While the database is away (db/health.ts saw a connection error and no success since), a
// request that failed is "try again shortly", not "broken". Route handlers answer their own JSON
// 503 (lib/web/api.ts); for everything else Next.js would send a 500 and an error page that only
// JavaScript can fill in, so the server swaps that for a 503 and a plain page that needs nothing.

const OUTAGE_PAGE = plainPage('Gatehouse is temporarily unavailable', [
  'It cannot reach its database right now. This usually clears by itself: please try again in a moment.',
]);

type Writer = (...args: unknown[]) => unknown;

/** Installs the swap on one response; call before handing the request to Next.js. */
export function answerOutagesWith503(_req: IncomingMessage, res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as Writer;
  const write = res.write.bind(res) as Writer;
  const end = res.end.bind(res) as Writer;
  let swapped = false;

  res.writeHead = ((status: number, ...rest: unknown[]) => {
    if (status !== 500 || !currentOutage()) return writeHead(status, ...rest);
    swapped = true;
    for (const name of ['content-encoding', 'content-length', 'transfer-encoding', 'etag', 'vary'])
      res.removeHeader(name);
    writeHead(503, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(OUTAGE_PAGE),
      'Cache-Control': 'no-store',
      'Retry-After': String(OUTAGE_RETRY_AFTER_SECONDS),
    });
    end(OUTAGE_PAGE);
    return res;
  }) as typeof res.writeHead;
  // Next.js goes on writing its own error page: drop it, but still run any callback it passed.
  res.write = ((...args: unknown[]) => (swapped ? true : write(...args))) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    if (!swapped) return end(...args);
    const callback = args.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return res;
  }) as typeof res.end;
}
