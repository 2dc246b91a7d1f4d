'use server';

import { redirect } from 'next/navigation';
import { getRequestContext } from '@/lib/web/request-context';
import { signOut } from '@/lib/web/sign-in';

export async function logout(): Promise<never> {
  await signOut(await getRequestContext());
  redirect('/login');
}
