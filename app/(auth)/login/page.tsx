import type { Metadata } from 'next';
import Link from 'next/link';
import { safeNextPath } from '@/lib/web/safe-redirect';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Log in · Gatehouse' };

export default async function LoginPage({ searchParams }: PageProps<'/login'>) {
  const { next } = await searchParams;
  return (
    <section className="mx-auto max-w-sm space-y-6">
      <h1 className="text-2xl font-bold">Log in</h1>
      <LoginForm next={safeNextPath(next)} />
      <p className="text-sm text-slate-600">
        No account yet?{' '}
        <Link href="/register" className="text-indigo-700 underline">
          Create one
        </Link>
      </p>
    </section>
  );
}
