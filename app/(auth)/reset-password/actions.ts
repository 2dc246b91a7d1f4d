'use server';

import { redirect } from 'next/navigation';
import { completePasswordReset, type ResetField } from '@/lib/auth/password-reset';
import type { FieldErrors } from '@/lib/auth/validation';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import { getRequestContext } from '@/lib/web/request-context';
import { LINK_USED } from './messages';

export type ResetPasswordState = {
  error?: string;
  linkUsed?: boolean;
  fieldErrors?: FieldErrors<ResetField>;
};

export async function resetPasswordAction(
  _previous: ResetPasswordState,
  formData: FormData,
): Promise<ResetPasswordState> {
  const input = {
    token: formData.get('token'),
    newPassword: formData.get('newPassword'),
    confirmNewPassword: formData.get('confirmNewPassword'),
  };
  const result = await completePasswordReset(
    getDb(),
    input,
    await getRequestContext(),
    getConfig(),
    getMailer(),
  );
  if (result.ok) redirect('/login?reset=1'); // not signed in: the new password is proved by logging in
  if (result.reason === 'invalid_link') return { error: LINK_USED, linkUsed: true };
  return result.reason === 'invalid'
    ? { fieldErrors: result.fieldErrors }
    : { error: result.message };
}
