import { apiNoContent, apiRoute } from '@/lib/web/api';
import { getRequestContext } from '@/lib/web/request-context';
import { signOut } from '@/lib/web/sign-in';

export const POST = apiRoute(async (): Promise<Response> => {
  await signOut(await getRequestContext());
  return apiNoContent();
});
