import { listUserSessions } from '@/lib/auth/session';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/runtime';
import { apiJson, apiRoute, unauthorized } from '@/lib/web/api';
import { toSessionList } from '@/lib/web/api-dto';
import { getCurrentSession } from '@/lib/web/dal';

export const GET = apiRoute(async (): Promise<Response> => {
  const current = await getCurrentSession();
  if (!current) return unauthorized();
  const sessions = await listUserSessions(
    getDb(),
    current.user.id,
    new Date(),
    getConfig().session,
  );
  return apiJson(toSessionList(sessions, current.session.id));
});
