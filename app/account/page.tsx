import type { Metadata } from 'next';
import { Section } from '@/app/components/section';
import { Time } from '@/app/components/time';
import { getEmailAddresses } from '@/lib/auth/email';
import { listRecentEvents, type SecurityEventType } from '@/lib/auth/events';
import { listPasskeys } from '@/lib/auth/passkeys';
import { getSecondFactorStatus } from '@/lib/auth/second-factor';
import { isFresh } from '@/lib/auth/second-factor-check';
import { listUserSessions } from '@/lib/auth/session';
import { authenticatedRecently } from '@/lib/auth/step-up';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import { describeUserAgent } from '@/lib/user-agent';
import { requireSession } from '@/lib/web/dal';
import { ChangePasswordForm } from './change-password-form';
import { DeleteAccountForm } from './delete-account-form';
import { EmailForms } from './email-form';
import { AddPasskey, PasskeyRow } from './passkeys';
import { ReauthenticateForm, SecondFactorForms } from './second-factor-forms';
import { EndSessionsForm } from './sessions-form';

export const metadata: Metadata = { title: 'Account · Gatehouse' };

const EVENT_LABELS: Record<SecurityEventType, string> = {
  registered: 'Account created',
  login_success: 'Logged in',
  login_failure: 'Wrong password',
  logout: 'Logged out',
  session_revoked: 'Session ended',
  password_changed: 'Password changed',
  account_deleted: 'Account deleted',
  throttled: 'Attempt refused (too many failures)',
  email_change_requested: 'Email address given (link sent)',
  email_verified: 'Email address verified',
  email_removed: 'Email address removed',
  password_reset_requested: 'Password reset link sent',
  password_reset: 'Password reset by email',
  second_factor_required: 'Password right, code asked for',
  second_factor_failure: 'Wrong authenticator or recovery code',
  second_factor_enabled: 'Two-step sign-in turned on',
  second_factor_disabled: 'Two-step sign-in turned off',
  recovery_code_used: 'Recovery code used',
  recovery_codes_replaced: 'New recovery codes made',
  reauthenticated: 'Identity confirmed for a change',
  passkey_added: 'Passkey added',
  passkey_removed: 'Passkey removed',
  passkey_failure: 'Passkey sign-in refused',
  passkey_counter_regressed: 'Passkey refused: it may have been copied',
  breach_check_failed: 'New password not checked against known breaches (no answer)',
  notice_dropped: 'Sign-in notice not mailed (too many this hour)',
  second_factor_requirement_changed: 'Two-step sign-in requirement changed by an operator',
};

const stamp = (date: Date) => `${date.toISOString().replace('T', ' ').slice(0, 16)} UTC`;

export default async function AccountPage() {
  const { user, session: current } = await requireSession('/account');
  const config = getConfig();
  const now = new Date();
  const mailer = getMailer();
  const [sessions, events, addresses, secondFactor, passkeys] = await Promise.all([
    listUserSessions(getDb(), user.id, now, config.session),
    listRecentEvents(getDb(), user.id, 20),
    getEmailAddresses(getDb(), user.id),
    getSecondFactorStatus(getDb(), user.id),
    listPasskeys(getDb(), user.id),
  ]);
  const enrolled = secondFactor.enabledAt !== null;
  const needsConfirmation = !isFresh(current, enrolled, now, config.secondFactor);
  const windowMinutes = Math.round(config.secondFactor.reauthWindowMs / 60_000);

  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-bold">Account: {user.username}</h1>

      {needsConfirmation ? (
        <Section title="Confirm it is you">
          <ReauthenticateForm windowMinutes={windowMinutes} />
        </Section>
      ) : null}

      <Section title="Active sessions">
        <EndSessionsForm
          others={sessions.length > 1}
          needsPassword={!authenticatedRecently(current, enrolled, now, config.secondFactor)}
          windowMinutes={windowMinutes}
        >
          <table className="w-full text-left text-sm">
            <thead className="text-slate-600">
              <tr>
                <th className="py-1 pr-4 font-medium">Device</th>
                <th className="py-1 pr-4 font-medium">IP</th>
                <th className="py-1 pr-4 font-medium">Started</th>
                <th className="py-1 pr-4 font-medium">Last active</th>
                <th className="py-1 pr-4 font-medium">
                  <span className="sr-only">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((session) => (
                <tr
                  key={session.id}
                  className="border-t border-slate-100"
                  data-testid="session-row"
                >
                  <td className="py-2 pr-4">
                    {describeUserAgent(session.userAgent)}
                    {session.id === current.id ? (
                      <span className="ml-2 rounded bg-indigo-50 px-1.5 py-0.5 text-xs text-indigo-700">
                        This device
                      </span>
                    ) : null}
                  </td>
                  <td className="py-2 pr-4">{session.ip ?? 'unknown'}</td>
                  <td className="py-2 pr-4">
                    <Time value={session.createdAt} />
                  </td>
                  <td className="py-2 pr-4">
                    <Time value={session.lastSeenAt} />
                  </td>
                  <td className="py-2 text-right">
                    {session.id === current.id ? null : (
                      <button
                        type="submit"
                        name="sessionId"
                        value={session.id}
                        className="button-quiet"
                      >
                        Log out
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </EndSessionsForm>
      </Section>

      {mailer ? (
        <Section title="Email address">
          <EmailForms {...addresses} />
        </Section>
      ) : null}

      <Section title="Two-step sign-in">
        <SecondFactorForms
          enabled={secondFactor.enabledAt !== null}
          status={
            secondFactor.enabledAt ? (
              <p className="text-sm" data-testid="second-factor-status">
                On since <Time value={secondFactor.enabledAt} />. {secondFactor.recoveryCodesLeft}{' '}
                recovery code{secondFactor.recoveryCodesLeft === 1 ? '' : 's'} left.
              </p>
            ) : null
          }
        />
      </Section>

      <Section title="Passkeys">
        <p className="text-sm text-slate-700">
          A passkey signs you in without the password or a code: your device unlocks it with your
          fingerprint, face or PIN.
        </p>
        {passkeys.length > 0 ? (
          <ul className="space-y-3">
            {passkeys.map((passkey) => (
              <PasskeyRow
                key={passkey.id}
                passkey={{
                  id: passkey.id,
                  name: passkey.name,
                  added: stamp(passkey.createdAt),
                  lastUsed: passkey.lastUsedAt ? stamp(passkey.lastUsedAt) : 'never',
                }}
              />
            ))}
          </ul>
        ) : null}
        <AddPasskey />
      </Section>

      <Section title="Change password">
        <ChangePasswordForm passwordMinLength={config.user.minLength} />
      </Section>

      <Section title="Recent activity">
        <ol className="divide-y divide-slate-100 text-sm">
          {events.map((event) => (
            <li key={event.id} className="flex flex-wrap gap-x-4 py-2" data-testid="activity-row">
              <span className="w-56 text-slate-600">
                <Time value={event.createdAt} />
              </span>
              <span className="font-medium">
                {EVENT_LABELS[event.type as SecurityEventType] ?? event.type}
              </span>
              <span className="text-slate-600">{event.ip ?? 'unknown IP'}</span>
              <span className="text-slate-600">{describeUserAgent(event.userAgent)}</span>
            </li>
          ))}
        </ol>
      </Section>

      <Section title="Delete account">
        <DeleteAccountForm />
      </Section>
    </div>
  );
}
