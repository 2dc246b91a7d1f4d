import { Time } from '@/app/components/time';
import type { User } from '@/lib/auth/context';
import type { Session } from '@/lib/auth/session';

/** Who is signed in and when the session ends: the protected page's content. */
export function SessionSummary({
  user,
  session,
}: {
  user: User;
  session: Pick<Session, 'createdAt' | 'idleExpiresAt' | 'absoluteExpiresAt'>;
}) {
  return (
    <section className="space-y-6">
      <h1 className="text-2xl font-bold">Protected page</h1>
      <p className="text-lg">
        Signed in as <strong data-testid="username">{user.username}</strong>
      </p>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm">
        <dt className="text-slate-600">Session started</dt>
        <dd>
          <Time value={session.createdAt} />
        </dd>
        <dt className="text-slate-600">Ends if idle until</dt>
        <dd>
          <Time value={session.idleExpiresAt} />
        </dd>
        <dt className="text-slate-600">Ends at the latest</dt>
        <dd>
          <Time value={session.absoluteExpiresAt} />
        </dd>
      </dl>
    </section>
  );
}
