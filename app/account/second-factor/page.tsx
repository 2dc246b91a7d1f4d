import type { Metadata } from 'next';
import Link from 'next/link';
import { getSecondFactorStatus } from '@/lib/auth/second-factor';
import { getDb } from '@/lib/runtime';
import { ENROLMENT_PATH, requireSession } from '@/lib/web/dal';
import { safeNextPath } from '@/lib/web/safe-redirect';
import { AddPasskey } from '../passkeys';
import { SecondFactorForms } from '../second-factor-forms';

export const metadata: Metadata = { title: 'Set up two-step sign-in · Gatehouse' };

// Where a session whose account must have a second factor, and has none yet, is kept until it
// sets one up (lib/auth/required-second-factor.ts). Either way in raises this session, so the
// page then offers the way on; the recovery codes stay on it until the person leaves.
export default async function SecondFactorRequiredPage({
  searchParams,
}: PageProps<'/account/second-factor'>) {
  const { user, mustEnrol } = await requireSession(ENROLMENT_PATH, { enrolling: true });
  const next = safeNextPath((await searchParams).next);
  const status = await getSecondFactorStatus(getDb(), user.id);
  const enabled = status.enabledAt !== null;

  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-bold">Set up two-step sign-in</h1>
      {mustEnrol ? (
        <p data-testid="enrolment-required">
          This account needs a second factor before anything else: an authenticator app, or a
          passkey. Set one up here to go on.
        </p>
      ) : (
        <p data-testid="enrolment-done">
          This session is signed in with a second factor.{' '}
          <Link href={next} className="font-medium text-indigo-700 underline">
            Continue
          </Link>
        </p>
      )}
      <section
        aria-labelledby="authenticator-app"
        className="space-y-4 rounded-lg border border-slate-200 bg-white p-5"
      >
        <h2 id="authenticator-app" className="text-lg font-semibold">
          An authenticator app
        </h2>
        <SecondFactorForms
          enabled={enabled}
          manage={false}
          status={
            enabled ? (
              <p className="text-sm" data-testid="second-factor-status">
                Two-step sign-in is on.
              </p>
            ) : null
          }
        />
      </section>
      {mustEnrol ? (
        <section
          aria-labelledby="passkey"
          className="space-y-4 rounded-lg border border-slate-200 bg-white p-5"
        >
          <h2 id="passkey" className="text-lg font-semibold">
            Or a passkey
          </h2>
          <AddPasskey />
        </section>
      ) : null}
    </div>
  );
}
