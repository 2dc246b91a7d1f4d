import { NextResponse, type NextRequest } from 'next/server';
import { getConfig, SESSION_COOKIE_NAMES } from '@/lib/config';
import { PROTOCOL_HEADER, readVouchedHeader } from '@/lib/http/vouched-headers';
import { checkRequestOrigin, isApiPath } from '@/lib/http/cross-site';
import { checkFormPost, MAX_FORM_BODY_BYTES } from '@/lib/http/form-post';
import { plainPage } from '@/lib/http/plain-page';
import { contentSecurityPolicy, createNonce, HSTS } from '@/lib/http/security-headers';

const GUARDED_PREFIXES = ['/protected', '/account'];

// Cheap per-request work, none of it the authentication check (that is the DAL's, against the
// database, on every protected page, action and route handler):
// 1. refuse cross-site state changes (lib/http/cross-site.ts);
// 2. answer 413 or 400 to a form POST that is too large, does not parse, or is not in the shape
//    Gatehouse's forms send, instead of Next.js's 500 (lib/http/form-post.ts);
// 3. optimistic redirect: a guarded path without any session cookie goes straight to /login;
// 4. a fresh CSP nonce for the page's scripts, and HSTS over HTTPS.
export async function proxy(request: NextRequest) {
  const config = getConfig();
  const { pathname, search } = request.nextUrl;
  const https =
    (readVouchedHeader(request.headers, PROTOCOL_HEADER) ??
      request.nextUrl.protocol.replace(':', '')) === 'https';
  const finish = (response: NextResponse) => {
    if (https) response.headers.set('Strict-Transport-Security', HSTS);
    return response;
  };

  const verdict = checkRequestOrigin({
    method: request.method,
    path: pathname,
    origin: request.headers.get('origin'),
    secFetchSite: request.headers.get('sec-fetch-site'),
    ownOrigin: `${https ? 'https' : 'http'}://${request.headers.get('host')}`,
    allowedOrigins: config.allowedOrigins,
  });
  if (!verdict.allowed)
    return finish(refuse(pathname, 403, 'cross_site_request', 'Cross-site request refused.'));
  if (request.method === 'POST' && !isApiPath(pathname)) {
    const post = await checkFormPost(request);
    if (!post.ok && post.status === 413) return finish(formTooLarge(pathname));
    if (!post.ok)
      return finish(refuse(pathname, 400, 'malformed_body', 'Malformed form submission.'));
  }

  const guarded = GUARDED_PREFIXES.some(
    (prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`),
  );
  if (guarded && !SESSION_COOKIE_NAMES.some((name) => request.cookies.has(name))) {
    const login = new URL('/login', request.url);
    login.searchParams.set('next', `${pathname}${search}`);
    return finish(NextResponse.redirect(login));
  }

  // Next.js reads the nonce from the request's CSP header and puts it on its own scripts.
  const nonce = createNonce();
  const csp = contentSecurityPolicy(nonce, config.nodeEnv === 'development');
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('content-security-policy', csp);
  requestHeaders.set('x-nonce', nonce);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', csp);
  return finish(response);
}

function refuse(path: string, status: number, code: string, message: string): NextResponse {
  if (isApiPath(path)) return NextResponse.json({ error: { code, message } }, { status });
  return new NextResponse(message, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

// Where JavaScript runs the form says so itself before sending (app/components/use-form-guard.ts);
// without it the browser shows this page.
function formTooLarge(path: string): NextResponse {
  const page = plainPage(
    'That form was too large',
    [
      `What was sent is larger than any Gatehouse form takes (${MAX_FORM_BODY_BYTES / 1024} KiB at most). Nothing was changed.`,
    ],
    { href: path, text: 'Go back to the form' },
  );
  return new NextResponse(page, {
    status: 413,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  });
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
