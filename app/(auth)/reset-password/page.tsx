import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { FormError } from '@/app/components/field';
import { findPasswordReset } from '@/lib/auth/password-reset';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/runtime';
import { LINK_USED } from './messages';
import { ResetPasswordForm } from './reset-password-form';

export const metadata: Metadata = {
  title: 'Choose a new password · Gatehouse',
  referrer: 'strict-origin',
};

// Opening the link uses nothing up: a mail scanner that follows it spends nothing. Only the
// form's POST sets the password and uses the link.
export default async function ResetPasswordPage({ searchParams }: PageProps<'/reset-password'>) {
  await connection();
  const { token } = await searchParams;
  const reset =
    typeof token === 'string' ? await findPasswordReset(getDb(), token, new Date()) : null;
  return (
    <section className="mx-auto max-w-sm space-y-6">
      <h1 className="text-2xl font-bold">Choose a new password</h1>
      {reset && typeof token === 'string' ? (
        <>
          <p className="text-slate-700">
            For the account <strong>{reset.username}</strong>. Every session of the account ends,
            and you log in with the new password.
          </p>
          <ResetPasswordForm token={token} passwordMinLength={getConfig().user.minLength} />
        </>
      ) : (
        <>
          <FormError message={LINK_USED} />
          <p className="text-sm">
            <Link href="/forgot-password" className="text-indigo-700 underline">
              Ask for a new link
            </Link>
          </p>
        </>
      )}
    </section>
  );
}
