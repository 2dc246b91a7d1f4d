import { apiNoContent, apiRoute } from '@/lib/web/api';
import { getRequestContext } from '@/lib/web/request-context';
import { logOut } from '@/lib/web/login';

export const POST = apiRoute(async (): Promise<Response> => {
  await logOut(await getRequestContext());
  return apiNoContent();
});
