import { revokeSession } from '@/lib/auth/session';
import { getDb } from '@/lib/runtime';
import { apiError, apiNoContent, apiRoute, unauthorized } from '@/lib/web/api';
import { getCurrentSession } from '@/lib/web/dal';
import { clearSessionCookie } from '@/lib/web/cookies';
import { getRequestContext } from '@/lib/web/request-context';

export const DELETE = apiRoute(
  async (
    _request: Request,
    { params }: RouteContext<'/api/auth/sessions/[id]'>,
  ): Promise<Response> => {
    const current = await getCurrentSession();
    if (!current) return unauthorized();
    const { id } = await params;
    // Someone else's session id gets the same 404 as one that never existed.
    if (!(await revokeSession(getDb(), current.user.id, id, await getRequestContext()))) {
      return apiError(404, 'not_found', 'No such session among yours.');
    }
    if (id === current.session.id) await clearSessionCookie();
    return apiNoContent();
  },
);
