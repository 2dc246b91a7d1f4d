import { getRequestContext } from '@/lib/web/request-context';
import { logOut } from '@/lib/web/login';

// A route handler rather than a server action, because only a response of our own can carry
// Clear-Site-Data: the browser drops its cache, so Back shows no protected page afterwards.
// Cross-site POSTs are refused in proxy.ts before they get here.
export async function POST(): Promise<Response> {
  await logOut(await getRequestContext());
  return new Response(null, {
    status: 303,
    headers: {
      Location: '/login',
      'Clear-Site-Data': '"cache", "cookies", "storage"',
      'Cache-Control': 'no-store',
    },
  });
}
