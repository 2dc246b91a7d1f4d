import type { Metadata } from 'next';
import { SessionSummary } from '@/app/components/session-summary';
import { requireSession } from '@/lib/web/dal';

export const metadata: Metadata = { title: 'Protected · Gatehouse' };

export default async function ProtectedPage() {
  const { user, session } = await requireSession('/protected');
  return <SessionSummary user={user} session={session} />;
}
