import Link from 'next/link';
import { getCurrentSession } from '@/lib/web/dal';

export default async function HomePage({ searchParams }: PageProps<'/'>) {
  const current = await getCurrentSession();
  const { deleted } = await searchParams;
  return (
    <section className="space-y-6">
      {deleted && !current ? (
        <p role="status" className="rounded-md border border-slate-200 bg-white px-3 py-2 text-sm">
          Your account has been deleted.
        </p>
      ) : null}
      <h1 className="text-3xl font-bold tracking-tight">Gatehouse</h1>
      <p className="text-slate-700">
        Register, log in and reach a protected page. Sessions live on the server and end after a
        period of inactivity or a fixed lifetime, whichever comes first; passwords are stored only
        as salted bcrypt hashes.
      </p>
      {current ? (
        <p>
          Signed in as <strong>{current.user.username}</strong>.{' '}
          <Link href="/protected" className="text-indigo-700 underline">
            Go to the protected page
          </Link>{' '}
          or{' '}
          <Link href="/account" className="text-indigo-700 underline">
            manage your account
          </Link>
        </p>
      ) : (
        <p className="flex gap-3">
          <Link href="/register" className="button">
            Create an account
          </Link>
          <Link href="/login" className="button-quiet self-center">
            Log in
          </Link>
        </p>
      )}
    </section>
  );
}
