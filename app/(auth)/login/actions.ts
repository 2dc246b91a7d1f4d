'use server';

import { redirect } from 'next/navigation';
import { getDb } from '@/db';
import { logIn } from '@/lib/auth/login';
import { getConfig } from '@/lib/config';
import { safeNextPath } from '@/lib/safe-redirect';
import { getRequestContext } from '@/lib/web/request-context';
import { getTrustedDevice, signIn } from '@/lib/web/sign-in';

export type LoginState = { username: string; error?: string };

// The one message for every wrong answer, so it never tells which usernames exist.
const INVALID_CREDENTIALS = 'Invalid username or password.';

export async function login(_previous: LoginState, formData: FormData): Promise<LoginState> {
  const input = { username: formData.get('username'), password: formData.get('password') };
  const typedUsername = typeof input.username === 'string' ? input.username.slice(0, 256) : '';
  const ctx = await getRequestContext();

  const result = await logIn(getDb(), input, ctx, getConfig(), await getTrustedDevice(input.username));
  if (!result.ok) {
    return { username: typedUsername, error: result.reason === 'invalid' ? INVALID_CREDENTIALS : result.message };
  }
  await signIn(result.user, ctx);
  redirect(safeNextPath(formData.get('next')));
}
