import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import { findPendingLogin } from '@/lib/auth/login';
import { getDb } from '@/lib/runtime';
import { readPendingLogin } from '@/lib/web/cookies';
import { SecondFactorForm } from './second-factor-form';

export const metadata: Metadata = { title: 'Two-step sign-in · Gatehouse' };

export default async function SecondFactorPage() {
  await connection();
  const pending = await readPendingLogin();
  if (!(await findPendingLogin(getDb(), pending?.token, new Date()))) redirect('/login?expired=1');
  return (
    <section className="mx-auto max-w-sm space-y-6">
      <h1 className="text-2xl font-bold">Two-step sign-in</h1>
      <p className="text-sm text-slate-700">
        Your password was right. Enter the six-digit code your authenticator app shows for this
        account.
      </p>
      <SecondFactorForm />
      <p className="text-sm">
        <Link href="/login" className="text-indigo-700 underline">
          Start again
        </Link>
      </p>
    </section>
  );
}
