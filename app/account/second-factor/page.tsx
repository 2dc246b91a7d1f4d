import type { Metadata } from 'next';
import Link from 'next/link';
import { Section } from '@/app/components/section';
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
      <Section title="An authenticator app">
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
      </Section>
      {mustEnrol ? (
        <Section title="Or a passkey">
          <AddPasskey />
        </Section>
      ) : null}
    </div>
  );
}
