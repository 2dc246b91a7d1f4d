'use server';

import { refresh } from 'next/cache';
import { redirect } from 'next/navigation';
import {
  confirmTotpEnrolment,
  describeEnrolment,
  disableTotp,
  reauthenticate,
  regenerateRecoveryCodes,
  startTotpEnrolment,
} from '@/lib/auth/second-factor';
import type { FieldErrors } from '@/lib/auth/validation';
import { getConfig } from '@/lib/config';
import { getDb, getMailer } from '@/lib/runtime';
import { setSessionCookie } from '@/lib/web/cookies';
import { requireSession } from '@/lib/web/dal';
import { getRequestContext } from '@/lib/web/request-context';

// The two-step sign-in forms of the account page and of the enrolment page. Each action checks
// the session itself (setting up an app is open to a session that must enrol), and the core
// checks the password, the code and the freshness the change needs.

export type SecondFactorField = 'currentPassword' | 'code';

export type SecondFactorState = {
  error?: string;
  fieldErrors?: FieldErrors<SecondFactorField>;
  /** Between the two steps of enrolment: the sealed enrolment, and the secret to show. */
  enrolment?: { enrolment: string; svg: string; secret: string; uri: string };
  /** Shown once, after enrolment or regeneration. */
  recoveryCodes?: string[];
  done?: string;
};

const answerOf = (formData: FormData) => ({
  currentPassword: formData.get('currentPassword'),
  code: formData.get('code'),
  recoveryCode: formData.get('recoveryCode'),
});

type Failure = { ok: false; reason: string; message?: string; fieldErrors?: object };
const failed = (result: Failure): SecondFactorState =>
  result.reason === 'invalid'
    ? { fieldErrors: result.fieldErrors as FieldErrors<SecondFactorField> }
    : { error: result.message };

export async function startEnrolmentAction(
  _previous: SecondFactorState,
  formData: FormData,
): Promise<SecondFactorState> {
  const actor = await requireSession('/account', { enrolling: true });
  const input = { currentPassword: formData.get('currentPassword') };
  const result = await startTotpEnrolment(
    getDb(),
    actor,
    input,
    await getRequestContext(),
    getConfig(),
  );
  if (!result.ok) return failed(result);
  const { enrolment, svg, secret, uri } = result;
  return { enrolment: { enrolment, svg, secret, uri } };
}

export async function confirmEnrolmentAction(
  _previous: SecondFactorState,
  formData: FormData,
): Promise<SecondFactorState> {
  const actor = await requireSession('/account', { enrolling: true });
  const ctx = await getRequestContext();
  const input = { enrolment: formData.get('enrolment'), code: formData.get('code') };
  const result = await confirmTotpEnrolment(getDb(), actor, input, ctx, getConfig(), getMailer());
  if (result.ok) {
    if (result.rotated) await setSessionCookie(result.rotated.token, result.rotated.expiresAt);
    refresh(); // the page shows the new status beside the codes
    return { recoveryCodes: result.recoveryCodes, done: 'Two-step sign-in is on.' };
  }
  // A wrong code: the same secret again, to try the next code.
  const enrolment =
    result.reason === 'invalid'
      ? await describeEnrolment(actor, input.enrolment, ctx.now, getConfig().secondFactor)
      : null;
  return { ...failed(result), ...(enrolment ? { enrolment } : {}) };
}

export async function regenerateRecoveryCodesAction(
  _previous: SecondFactorState,
  formData: FormData,
): Promise<SecondFactorState> {
  const actor = await requireSession('/account');
  const result = await regenerateRecoveryCodes(
    getDb(),
    actor,
    { currentPassword: formData.get('currentPassword') },
    await getRequestContext(),
    getConfig(),
    getMailer(),
  );
  if (!result.ok) return failed(result);
  refresh();
  return { recoveryCodes: result.recoveryCodes, done: 'New recovery codes made.' };
}

export async function disableSecondFactorAction(
  _previous: SecondFactorState,
  formData: FormData,
): Promise<SecondFactorState> {
  const actor = await requireSession('/account');
  const result = await disableTotp(
    getDb(),
    actor,
    answerOf(formData),
    await getRequestContext(),
    getConfig(),
    getMailer(),
  );
  if (!result.ok) return failed(result);
  redirect('/account');
}

export async function reauthenticateAction(
  _previous: SecondFactorState,
  formData: FormData,
): Promise<SecondFactorState> {
  const actor = await requireSession('/account');
  const result = await reauthenticate(
    getDb(),
    actor,
    answerOf(formData),
    await getRequestContext(),
    getConfig(),
  );
  if (!result.ok) return failed(result);
  if (result.rotated) await setSessionCookie(result.rotated.token, result.rotated.expiresAt);
  redirect('/account');
}
