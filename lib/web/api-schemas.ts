import { z } from 'zod';

// The JSON API's bodies and answers. Requests are validated again by the core's own rules
// (lib/validation.ts); these describe the wire format and generate /api/openapi.json.

export const credentialsBody = z
  .object({
    username: z.string().max(256).meta({ example: 'alice' }),
    password: z.string().max(1024).meta({ example: 'correct horse battery staple' }),
  })
  .meta({ id: 'Credentials' });

export const passwordChangeBody = z
  .object({ currentPassword: z.string().max(1024), newPassword: z.string().max(1024) })
  .meta({ id: 'PasswordChange' });

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
