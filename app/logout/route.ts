import { getRequestContext } from '@/lib/web/request-context';
import { signOut } from '@/lib/web/sign-in';

// A route handler rather than a server action, because only a response of our own can carry
// Clear-Site-Data: the browser drops its cache, so Back shows no protected page afterwards.
// Cross-site POSTs are refused in proxy.ts before they get here.
export async function POST(): Promise<Response> {
  await signOut(await getRequestContext());
  return new Response(null, {
    status: 303,
    headers: { Location: '/login', 'Clear-Site-Data': '"cache", "cookies", "storage"', 'Cache-Control': 'no-store' },
  });
}
