import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { SessionSummary } from '@/app/components/session-summary';
import { getConfig } from '@/lib/config';

export const metadata: Metadata = { title: 'Protected · Gatehouse' };

// The benchmark's fair twin of /protected (npm run bench): the same markup, rendered on every
// request by the same server, with no session behind it. A 404 unless BENCH_TWIN=true.
export default async function BenchTwinPage() {
  await connection();
  if (!getConfig().benchTwin) notFound();
  return (
    <SessionSummary user={{ id: 0, username: 'twin-user' }} session={sampleSession(new Date())} />
  );
}

function sampleSession(now: Date) {
  const later = (ms: number) => new Date(now.getTime() + ms);
  return { createdAt: now, idleExpiresAt: later(1_800_000), absoluteExpiresAt: later(43_200_000) };
}
