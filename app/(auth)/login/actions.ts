'use server';

import { redirect } from 'next/navigation';
import { logIn } from '@/lib/auth/login';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import { readTrustedDevice, setPendingLoginCookie } from '@/lib/web/cookies';
import { enrolmentPath } from '@/lib/web/dal';
import { completeLogIn } from '@/lib/web/login';
import { getRequestContext } from '@/lib/web/request-context';
import { safeNextPath } from '@/lib/web/safe-redirect';

export type LogInState = { username: string; error?: string };

// The one message for every wrong answer, so it never tells which usernames exist.
const INVALID_CREDENTIALS = 'Invalid username or password.';

export async function logInAction(_previous: LogInState, formData: FormData): Promise<LogInState> {
  const input = { username: formData.get('username'), password: formData.get('password') };
  const typedUsername = typeof input.username === 'string' ? input.username.slice(0, 256) : '';
  const ctx = await getRequestContext();

  const result = await logIn(
    getDb(),
    input,
    ctx,
    getConfig(),
    await readTrustedDevice(input.username),
    getMailer(),
  );
  const next = safeNextPath(formData.get('next'));
  if (!result.ok) {
    if (result.reason === 'second_factor_required') {
      await setPendingLoginCookie(result.pendingToken, next, result.expiresAt);
      redirect('/login/second-factor');
    }
    return {
      username: typedUsername,
      error: result.reason === 'invalid' ? INVALID_CREDENTIALS : result.message,
    };
  }
  // The password changed (a reset, say) while it was being checked: as wrong as any other.
  const started = await completeLogIn(result.user, result.signIn, ctx);
  if (!started) return { username: typedUsername, error: INVALID_CREDENTIALS };
  redirect(started.mustEnrol ? enrolmentPath(next) : next);
}
