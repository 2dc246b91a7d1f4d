'use server';

import { redirect } from 'next/navigation';
import { changeEmail, removeEmail, type EmailField } from '@/lib/auth/email';
import { revokeOtherSessionsByUser, revokeSessionByUser } from '@/lib/auth/session-revocation';
import { changePassword, deleteAccount, type PasswordChangeField } from '@/lib/auth/users';
import type { FieldErrors } from '@/lib/auth/validation';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import { clearSessionCookie } from '@/lib/web/cookies';
import { requireSession } from '@/lib/web/dal';
import { completeLogIn } from '@/lib/web/login';
import { getRequestContext } from '@/lib/web/request-context';

// Each action is a public endpoint: it checks the session itself, and acts only on the
// caller's own account and sessions.

export type EndSessionsState = {
  error?: string;
  fieldErrors?: FieldErrors<'currentPassword'>;
};

/** Ends the session whose button was pressed (`sessionId`), or every other one (`end=others`). */
export async function endSessionsAction(
  _previous: EndSessionsState,
  formData: FormData,
): Promise<EndSessionsState> {
  const actor = await requireSession('/account');
  const input = { currentPassword: formData.get('currentPassword') };
  const ctx = await getRequestContext();
  const result =
    formData.get('end') === 'others'
      ? await revokeOtherSessionsByUser(getDb(), actor, input, ctx, getConfig())
      : await revokeSessionByUser(
          getDb(),
          actor,
          formData.get('sessionId'),
          input,
          ctx,
          getConfig(),
        );
  // One that is already gone (ended elsewhere meanwhile, or never theirs): the list shows the truth.
  if (!result.ok && result.reason !== 'not_found')
    return result.reason === 'invalid'
      ? { fieldErrors: result.fieldErrors }
      : { error: result.message };
  redirect('/account');
}

export type ChangePasswordState = {
  done?: boolean;
  error?: string;
  fieldErrors?: FieldErrors<PasswordChangeField>;
};

export async function changePasswordAction(
  _previous: ChangePasswordState,
  formData: FormData,
): Promise<ChangePasswordState> {
  const current = await requireSession('/account');
  const ctx = await getRequestContext();
  const input = {
    currentPassword: formData.get('currentPassword'),
    newPassword: formData.get('newPassword'),
    confirmNewPassword: formData.get('confirmNewPassword'),
  };
  const result = await changePassword(getDb(), current, input, ctx, getConfig(), getMailer());
  if (!result.ok)
    return result.reason === 'invalid'
      ? { fieldErrors: result.fieldErrors }
      : { error: result.message };
  // Every session ended; a fresh one here, unless the password changed again elsewhere meanwhile.
  if (!(await completeLogIn(current.user, result.signIn, ctx))) {
    await clearSessionCookie();
    redirect('/login');
  }
  return { done: true };
}

export type DeleteAccountState = { error?: string; fieldErrors?: FieldErrors<'password'> };

export async function deleteAccountAction(
  _previous: DeleteAccountState,
  formData: FormData,
): Promise<DeleteAccountState> {
  const { user, session } = await requireSession('/account');
  const confirmation = { password: formData.get('password'), session, policies: getConfig() };
  const result = await deleteAccount(
    getDb(),
    user,
    await getRequestContext(),
    confirmation,
    getMailer(),
  );
  if (!result.ok)
    return result.reason === 'invalid'
      ? { fieldErrors: result.fieldErrors }
      : { error: result.message };
  await clearSessionCookie();
  redirect('/?deleted=1');
}

export type EmailState = { done?: string; error?: string; fieldErrors?: FieldErrors<EmailField> };

export async function changeEmailAction(
  _previous: EmailState,
  formData: FormData,
): Promise<EmailState> {
  const current = await requireSession('/account');
  const mailer = getMailer();
  if (!mailer) return { error: 'This server sends no mail.' };
  const input = { email: formData.get('email'), currentPassword: formData.get('currentPassword') };
  const result = await changeEmail(
    getDb(),
    current,
    input,
    await getRequestContext(),
    getConfig(),
    mailer,
  );
  if (!result.ok)
    return result.reason === 'invalid'
      ? { fieldErrors: result.fieldErrors }
      : { error: result.message };
  return { done: `We sent a link to ${result.address}. Open it to verify the address.` };
}

export async function removeEmailAction(
  _previous: EmailState,
  formData: FormData,
): Promise<EmailState> {
  const current = await requireSession('/account');
  const mailer = getMailer();
  if (!mailer) return { error: 'This server sends no mail.' };
  const input = { currentPassword: formData.get('currentPassword') };
  const result = await removeEmail(
    getDb(),
    current,
    input,
    await getRequestContext(),
    getConfig(),
    mailer,
  );
  if (!result.ok)
    return result.reason === 'invalid'
      ? { fieldErrors: result.fieldErrors }
      : { error: result.message };
  return { done: 'Your email address has been removed.' };
}
