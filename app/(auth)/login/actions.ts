'use server';

import { redirect } from 'next/navigation';
import { getDb } from '@/db';
import { authenticateUser } from '@/lib/auth/users';
import { getConfig } from '@/lib/config';
import { safeNextPath } from '@/lib/safe-redirect';
import { signIn } from '@/lib/web/sign-in';

export type LoginState = { username: string; error?: string };

// The one message for every failure, so it never tells which usernames exist.
const INVALID_CREDENTIALS = 'Invalid username or password.';

export async function login(_previous: LoginState, formData: FormData): Promise<LoginState> {
  const input = { username: formData.get('username'), password: formData.get('password') };
  const typedUsername = typeof input.username === 'string' ? input.username.slice(0, 256) : '';

  const result = await authenticateUser(getDb(), input, getConfig().user);
  if (!result.ok) return { username: typedUsername, error: INVALID_CREDENTIALS };

  await signIn(result.user.id);
  redirect(safeNextPath(formData.get('next')));
}
