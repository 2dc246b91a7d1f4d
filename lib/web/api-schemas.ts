import { z } from 'zod';

// The JSON API's bodies and answers. Requests are validated again by the core's own rules
// (lib/auth/validation.ts); these describe the wire format and generate /api/openapi.json.

export const credentialsBody = z
  .object({
    username: z.string().max(256).meta({ example: 'alice' }),
    password: z.string().max(1024).meta({ example: 'correct horse battery staple' }),
  })
  .meta({ id: 'Credentials' });

export const passwordChangeBody = z
  .object({ currentPassword: z.string().max(1024), newPassword: z.string().max(1024) })
  .meta({ id: 'PasswordChange' });

export const registrationBody = credentialsBody
  .extend({
    email: z.string().max(256).optional().meta({
      description: 'Optional: verified by a link mailed to it.',
      example: 'alice@example.com',
    }),
  })
  .meta({ id: 'Registration' });

export const passwordResetRequestBody = z
  .object({
    identifier: z
      .string()
      .max(256)
      .meta({ description: 'A username, or a verified email address.', example: 'alice' }),
  })
  .meta({ id: 'PasswordResetRequest' });

export const passwordResetBody = z
  .object({
    token: z.string().max(64).meta({ description: 'The token from the mailed link.' }),
    newPassword: z.string().max(1024),
  })
  .meta({ id: 'PasswordReset' });

export const emailChangeBody = z
  .object({ email: z.string().max(256), currentPassword: z.string().max(1024) })
  .meta({ id: 'EmailChange' });

export const emailRemovalBody = z
  .object({ currentPassword: z.string().max(1024) })
  .meta({ id: 'EmailRemoval' });

export const emailVerificationBody = z
  .object({ token: z.string().max(64).meta({ description: 'The token from the mailed link.' }) })
  .meta({ id: 'EmailVerification' });

export const emailAddressesSchema = z
  .object({
    email: z
      .string()
      .nullable()
      .meta({ description: 'The verified address, used for recovery and notices.' }),
    pendingEmail: z
      .string()
      .nullable()
      .meta({ description: 'An address given but not verified yet.' }),
  })
  .meta({ id: 'EmailAddresses' });

export const acceptedSchema = z.object({ message: z.string() }).meta({ id: 'Accepted' });

export const userSchema = z
  .object({ id: z.number().int(), username: z.string() })
  .meta({ id: 'User' });

export const sessionTimesSchema = z
  .object({
    createdAt: z.iso.datetime(),
    lastSeenAt: z.iso.datetime(),
    idleExpiresAt: z.iso.datetime(),
    absoluteExpiresAt: z.iso.datetime(),
    authMethod: z
      .enum(['password', 'password+totp', 'password+recovery-code', 'passkey'])
      .meta({ description: 'How the session was signed in to.' }),
  })
  .meta({ id: 'SessionTimes' });

export const currentSessionSchema = z
  .object({
    user: userSchema,
    secondFactorEnrolmentRequired: z.boolean().meta({
      description:
        'True while the account must set up a second factor (REQUIRE_SECOND_FACTOR, or an operator): until then every other call answers 403 second_factor_enrolment_required.',
    }),
    session: sessionTimesSchema,
  })
  .meta({ id: 'CurrentSession' });

export const sessionListSchema = z
  .object({
    sessions: z.array(
      z.object({
        id: z.string().meta({ description: 'Pass to DELETE /api/auth/sessions/{id}.' }),
        current: z.boolean(),
        createdAt: z.iso.datetime(),
        lastSeenAt: z.iso.datetime(),
        ip: z.string().nullable(),
        device: z.string(),
      }),
    ),
  })
  .meta({ id: 'SessionList' });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'invalid_input' }),
      message: z.string(),
      details: z
        .record(z.string(), z.string())
        .optional()
        .meta({ description: 'Per-field messages.' }),
    }),
  })
  .meta({ id: 'Error' });

export const secondFactorRequiredSchema = z
  .object({
    secondFactorRequired: z.literal(true),
    expiresAt: z.iso.datetime().meta({ description: 'When the pending login lapses.' }),
  })
  .meta({ id: 'SecondFactorRequired' });

const code = z
  .string()
  .max(16)
  .meta({ description: 'The six digits the authenticator app shows.', example: '123456' });
const recoveryCode = z.string().max(64).meta({
  description: 'One of the recovery codes, instead of `code`.',
  example: 'abcd-efgh-jkmn-pqrs',
});

export const secondFactorAnswerBody = z
  .object({ code: code.optional(), recoveryCode: recoveryCode.optional() })
  .meta({ id: 'SecondFactorAnswer' });

export const currentPasswordBody = z
  .object({ currentPassword: z.string().max(1024) })
  .meta({ id: 'CurrentPassword' });

export const sessionRevocationBody = z
  .object({
    currentPassword: z.string().max(1024).optional().meta({
      description:
        'Needed to end another session once this one signed in more than REAUTH_WINDOW ago; the body may be left out within it.',
    }),
  })
  .meta({ id: 'SessionRevocation' });

export const sessionsEndedSchema = z
  .object({ ended: z.number().int().min(0).meta({ description: 'How many sessions ended.' }) })
  .meta({ id: 'SessionsEnded' });

export const confirmedChangeBody = z
  .object({
    currentPassword: z.string().max(1024),
    code: code.optional(),
    recoveryCode: recoveryCode.optional(),
  })
  .meta({ id: 'ConfirmedChange' });

export const enrolmentSchema = z
  .object({
    enrolment: z.string().meta({
      description:
        'Sealed; send it back to POST /api/auth/second-factor with a code. Bound to this session, for 10 minutes.',
    }),
    uri: z.string().meta({ description: 'The otpauth:// URI, for a QR code.' }),
    secret: z.string().meta({ description: 'The same key in base32, for typing into an app.' }),
  })
  .meta({ id: 'Enrolment' });

export const enrolmentConfirmationBody = z
  .object({ enrolment: z.string().max(1024), code })
  .meta({ id: 'EnrolmentConfirmation' });

export const recoveryCodesSchema = z
  .object({
    recoveryCodes: z.array(z.string()).meta({ description: 'Shown this once: each works once.' }),
  })
  .meta({ id: 'RecoveryCodes' });

export const secondFactorStatusSchema = z
  .object({
    enabled: z.boolean(),
    enabledAt: z.iso.datetime().nullable(),
    recoveryCodesLeft: z.number().int(),
  })
  .meta({ id: 'SecondFactorStatus' });

export const passkeySchema = z
  .object({
    id: z.number().int().meta({ description: 'Pass to /api/auth/passkeys/{id}.' }),
    name: z.string(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Passkey' });

export const passkeyListSchema = z
  .object({ passkeys: z.array(passkeySchema) })
  .meta({ id: 'PasskeyList' });

const webauthnJson = z
  .record(z.string(), z.unknown())
  .meta({ description: 'As @simplewebauthn/browser returns it (WebAuthn JSON serialisation).' });

export const passkeyRegistrationBody = z
  .object({
    response: webauthnJson,
    name: z.string().max(64).optional().meta({ example: 'Laptop' }),
  })
  .meta({ id: 'PasskeyRegistration' });

export const passkeyLoginBody = z.object({ response: webauthnJson }).meta({ id: 'PasskeyLogin' });

export const passkeyRenameBody = z
  .object({ name: z.string().max(64) })
  .meta({ id: 'PasskeyRename' });

export const webauthnOptionsSchema = z.record(z.string(), z.unknown()).meta({
  id: 'WebAuthnOptions',
  description:
    'Options for navigator.credentials.create() or .get() in WebAuthn JSON form; the challenge is added to a sealed cookie beside them, good for five minutes.',
});
