import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { getMailer } from '@/lib/runtime';
import { ForgotPasswordForm } from './forgot-password-form';

export const metadata: Metadata = { title: 'Forgot your password? · Gatehouse' };

export default async function ForgotPasswordPage() {
  await connection();
  const mailer = getMailer();
  if (!mailer) notFound();
  return (
    <section className="mx-auto max-w-sm space-y-6">
      <h1 className="text-2xl font-bold">Forgot your password?</h1>
      <p className="text-slate-700">
        Give your username or your account&apos;s verified email address, and we will mail a link to
        choose a new password.
      </p>
      <ForgotPasswordForm resetMinutes={Math.round(mailer.settings.resetTtlMs / 60_000)} />
      <p className="text-sm">
        <Link href="/login" className="text-indigo-700 underline">
          Back to log in
        </Link>
      </p>
    </section>
  );
}
