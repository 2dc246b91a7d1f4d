import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { FormStatus } from '@/app/components/field';
import { getMailer } from '@/lib/runtime';
import { safeNextPath } from '@/lib/web/safe-redirect';
import { LoginForm } from './login-form';
import { PasskeySignIn } from './passkey-sign-in';

export const metadata: Metadata = { title: 'Log in · Gatehouse' };

export default async function LoginPage({ searchParams }: PageProps<'/login'>) {
  const { next, reset, expired } = await searchParams;
  await connection(); // configuration is read at request time, never at build time
  return (
    <section className="mx-auto max-w-sm space-y-6">
      <h1 className="text-2xl font-bold">Log in</h1>
      <FormStatus
        message={
          reset
            ? 'Your password has been changed. Log in with the new one.'
            : expired
              ? 'That sign-in expired, or had too many wrong codes. Log in again.'
              : undefined
        }
      />
      <LoginForm next={safeNextPath(next)} />
      <PasskeySignIn next={safeNextPath(next)} />
      {getMailer() ? (
        <p className="text-sm">
          <Link href="/forgot-password" className="text-indigo-700 underline">
            Forgot your password?
          </Link>
        </p>
      ) : null}
      <p className="text-sm text-slate-600">
        No account yet?{' '}
        <Link href="/register" className="text-indigo-700 underline">
          Create one
        </Link>
      </p>
    </section>
  );
}
