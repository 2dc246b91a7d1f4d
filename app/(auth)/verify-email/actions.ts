'use server';

import { verifyEmail } from '@/lib/auth/email';
import { getDb } from '@/lib/runtime';
import { getRequestContext } from '@/lib/web/request-context';
import { LINK_USED } from './messages';

export type VerifyEmailState = { verified?: string; error?: string };

export async function verifyEmailAction(
  _previous: VerifyEmailState,
  formData: FormData,
): Promise<VerifyEmailState> {
  const result = await verifyEmail(getDb(), formData.get('token'), await getRequestContext());
  if (result.ok) return { verified: result.address };
  return {
    error:
      result.reason === 'address_taken'
        ? 'This address now belongs to another account, so it cannot be verified for this one.'
        : LINK_USED,
  };
}
