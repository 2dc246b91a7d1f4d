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
  })
  .meta({ id: 'SessionTimes' });

export const currentSessionSchema = z
  .object({ user: userSchema, session: sessionTimesSchema })
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
