import { apiNoContent } from '@/lib/web/api';
import { getRequestContext } from '@/lib/web/request-context';
import { signOut } from '@/lib/web/sign-in';

export async function POST(): Promise<Response> {
  await signOut(await getRequestContext());
  return apiNoContent();
}
