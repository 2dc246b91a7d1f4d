'use server';

import { redirect } from 'next/navigation';
import { removePasskey, renamePasskey } from '@/lib/auth/passkeys';
import type { FieldErrors } from '@/lib/auth/validation';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import { requireSession } from '@/lib/web/dal';
import { getRequestContext } from '@/lib/web/request-context';

export type PasskeyState = {
  error?: string;
  fieldErrors?: FieldErrors<'name' | 'currentPassword'>;
};

export async function renamePasskeyAction(
  _previous: PasskeyState,
  formData: FormData,
): Promise<PasskeyState> {
  const actor = await requireSession('/account');
  const result = await renamePasskey(getDb(), actor, formData.get('id'), {
    name: formData.get('name'),
  });
  if (!result.ok)
    return result.reason === 'invalid'
      ? { fieldErrors: result.fieldErrors }
      : { error: result.message };
  redirect('/account');
}

export async function removePasskeyAction(
  _previous: PasskeyState,
  formData: FormData,
): Promise<PasskeyState> {
  const actor = await requireSession('/account');
  const result = await removePasskey(
    getDb(),
    actor,
    formData.get('id'),
    { currentPassword: formData.get('currentPassword') },
    await getRequestContext(),
    getConfig(),
    getMailer(),
  );
  if (!result.ok)
    return result.reason === 'invalid'
      ? { fieldErrors: result.fieldErrors }
      : { error: result.message };
  redirect('/account');
}
