import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATIC_SECURITY_HEADERS } from '../lib/http/security-headers';

// A path with a broken percent-escape (`/api/auth/sessions/%ZZ`) makes Next.js answer a bare
// 500 while decoding a route parameter, before the proxy or any handler runs. Such a request
// names nothing, so it is refused here with the usual headers.

export function hasValidPath(url: string | undefined): boolean {
  try {
    decodeURIComponent((url ?? '/').split('?')[0]!);
    return true;
  } catch {
    return false;
  }
}

export function refuseMalformedPath(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0]!;
  const api = path === '/api' || path.startsWith('/api/');
  const message = 'The request path is not valid percent-encoding.';
  const body = api
    ? JSON.stringify({ error: { code: 'malformed_path', message } })
    : `${message}\n`;
  res.writeHead(400, {
    ...Object.fromEntries(STATIC_SECURITY_HEADERS.map(({ key, value }) => [key, value])),
    'Content-Type': api ? 'application/json' : 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
