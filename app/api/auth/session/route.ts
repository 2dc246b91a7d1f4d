import { apiJson, apiRoute, apiSession } from '@/lib/web/api';
import { toCurrentSession } from '@/lib/web/api-dto';

export const GET = apiRoute(async (): Promise<Response> => {
  // Open to a session that must set up a second factor: it says so.
  const current = await apiSession({ enrolling: true });
  if (current instanceof Response) return current;
  return apiJson(toCurrentSession(current.user, current));
});
