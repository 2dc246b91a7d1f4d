import Link from 'next/link';
import { getCurrentSession } from '@/lib/web/dal';

export default async function HomePage() {
  const current = await getCurrentSession();
  return (
    <section className="space-y-6">
      <h1 className="text-3xl font-bold tracking-tight">Gatehouse</h1>
      <p className="text-slate-700">
        Register, log in and reach a protected page. Sessions live on the server and end after a period of
        inactivity or a fixed lifetime, whichever comes first; passwords are stored only as salted bcrypt hashes.
      </p>
      {current ? (
        <p>
          Signed in as <strong>{current.user.username}</strong>.{' '}
          <Link href="/protected" className="text-indigo-700 underline">
            Go to the protected page
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
