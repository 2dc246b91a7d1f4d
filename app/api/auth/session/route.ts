import { apiJson, apiRoute, unauthorized } from '@/lib/web/api';
import { toCurrentSession } from '@/lib/web/api-dto';
import { getCurrentSession } from '@/lib/web/dal';

export const GET = apiRoute(async (): Promise<Response> => {
  const current = await getCurrentSession();
  if (!current) return unauthorized();
  return apiJson(toCurrentSession(current.user, current.session));
});
