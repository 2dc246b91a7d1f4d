import { apiJson, unauthorized } from '@/lib/web/api';
import { toCurrentSession } from '@/lib/web/api-dto';
import { getCurrentSession } from '@/lib/web/dal';

export async function GET(): Promise<Response> {
  const current = await getCurrentSession();
  if (!current) return unauthorized();
  return apiJson(toCurrentSession(current.user, current.session));
}
