import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { getConfig } from '@/lib/config';
import { getMailer } from '@/lib/runtime';
import { RegisterForm } from './register-form';

export const metadata: Metadata = { title: 'Register · Gatehouse' };

export default async function RegisterPage() {
  await connection(); // configuration is read at request time, never at build time
  return (
    <section className="mx-auto max-w-sm space-y-6">
      <h1 className="text-2xl font-bold">Create an account</h1>
      <RegisterForm
        passwordMinLength={getConfig().user.minLength}
        offersEmail={getMailer() !== null}
      />
      <p className="text-sm text-slate-600">
        Already registered?{' '}
        <Link href="/login" className="text-indigo-700 underline">
          Log in
        </Link>
      </p>
    </section>
  );
}
