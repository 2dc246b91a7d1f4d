import type { Metadata } from 'next';
import { connection } from 'next/server';
import { findEmailVerification } from '@/lib/auth/email';
import { getDb } from '@/lib/runtime';
import { VerifyEmailForm } from './verify-email-form';

export const metadata: Metadata = {
  title: 'Confirm your email address · Gatehouse',
  referrer: 'strict-origin',
};

// Opening the link only shows a button: a mail scanner following the link verifies nothing.
export default async function VerifyEmailPage({ searchParams }: PageProps<'/verify-email'>) {
  await connection();
  const { token } = await searchParams;
  const pending =
    typeof token === 'string' ? await findEmailVerification(getDb(), token, new Date()) : null;
  return (
    <section className="mx-auto max-w-sm space-y-6">
      <h1 className="text-2xl font-bold">Confirm your email address</h1>
      <VerifyEmailForm token={typeof token === 'string' ? token : ''} pending={pending} />
    </section>
  );
}
