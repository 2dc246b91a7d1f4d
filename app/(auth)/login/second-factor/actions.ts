'use server';

import { redirect } from 'next/navigation';
import { completeSecondFactor } from '@/lib/auth/login';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import { clearPendingLoginCookie, readPendingLogin } from '@/lib/web/cookies';
import { completeLogIn } from '@/lib/web/login';
import { getRequestContext } from '@/lib/web/request-context';
import { safeNextPath } from '@/lib/web/safe-redirect';

export type SecondFactorState = { error?: string };

/** The second step of a login, for the browser holding the pending login (its cookie). */
export async function secondFactorAction(
  _previous: SecondFactorState,
  formData: FormData,
): Promise<SecondFactorState> {
  const pending = await readPendingLogin();
  const answer = { code: formData.get('code'), recoveryCode: formData.get('recoveryCode') };
  const ctx = await getRequestContext();
  const result = await completeSecondFactor(
    getDb(),
    pending?.token,
    answer,
    ctx,
    getConfig(),
    getMailer(),
  );
  if (!result.ok && result.reason !== 'pending_expired') return { error: result.message };
  // Expired, or the password changed since it was given: the login starts again.
  if (!result.ok || !(await completeLogIn(result.user, result.signIn, ctx))) {
    await clearPendingLoginCookie();
    redirect('/login?expired=1');
  }
  redirect(safeNextPath(pending?.next));
}
