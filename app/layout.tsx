import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { getCurrentSession } from '@/lib/web/dal';
import { LogoutButton } from './components/logout-button';
import './globals.css';

export const metadata: Metadata = {
  title: 'Gatehouse',
  description: 'Session authentication done carefully.',
};

// Shows who is signed in; it guards nothing (each protected page asks the DAL itself).
export default async function RootLayout({ children }: { children: ReactNode }) {
  const current = await getCurrentSession();
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <header className="border-b border-slate-200 bg-white">
          <nav className="mx-auto flex max-w-3xl items-center justify-between gap-4 px-4 py-3">
            <Link href="/" className="text-lg font-semibold tracking-tight">
              Gatehouse
            </Link>
            {current ? (
              <div className="flex items-center gap-3 text-sm">
                <Link href="/account" className="text-slate-600 hover:underline">
                  {current.user.username}
                </Link>
                <LogoutButton />
              </div>
            ) : (
              <div className="flex items-center gap-3 text-sm">
                <Link href="/login" className="hover:underline">
                  Log in
                </Link>
                <Link href="/register" className="button-quiet">
                  Register
                </Link>
              </div>
            )}
          </nav>
        </header>
        <main className="mx-auto max-w-3xl px-4 py-10">{children}</main>
      </body>
    </html>
  );
}
