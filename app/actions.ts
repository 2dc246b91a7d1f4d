'use server';

import { redirect } from 'next/navigation';
import { signOut } from '@/lib/web/sign-in';

export async function logout(): Promise<never> {
  await signOut();
  redirect('/login');
}
