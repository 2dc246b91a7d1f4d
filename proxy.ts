import { NextResponse, type NextRequest } from 'next/server';
import { SESSION_COOKIE_NAMES } from '@/lib/web/cookie-names';

const GUARDED_PREFIXES = ['/protected', '/account'];

// Two jobs, both cheap and neither a security boundary:
// 1. Optimistic redirect: a guarded path without any session cookie goes straight to /login.
//    A cookie being present proves nothing; every protected page checks the database through
//    the DAL (lib/web/dal.ts), so a request that skips this file still gets nothing protected.
// 2. A form POST whose body does not parse gets a 400 here, instead of the 500 Next.js would
//    answer when its server-action handler fails to read it.
export async function proxy(request: NextRequest) {
  if (request.method === 'POST' && !(await formBodyParses(request))) {
    return new NextResponse('Malformed form submission.', { status: 400 });
  }
  const { pathname, search } = request.nextUrl;
  const guarded = GUARDED_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
  if (!guarded || SESSION_COOKIE_NAMES.some((name) => request.cookies.has(name))) return NextResponse.next();

  const login = new URL('/login', request.url);
  login.searchParams.set('next', `${pathname}${search}`);
  return NextResponse.redirect(login);
}

async function formBodyParses(request: NextRequest): Promise<boolean> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^(multipart\/form-data|application\/x-www-form-urlencoded)/i.test(type)) return true;
  try {
    await request.clone().formData();
    return true;
  } catch {
    return false;
  }
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
