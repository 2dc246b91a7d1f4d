import 'server-only';
import { createDocument } from 'zod-openapi';
import { z } from 'zod';
import {
  acceptedSchema,
  passkeyListSchema,
  passkeyLoginBody,
  passkeyRegistrationBody,
  passkeyRenameBody,
  passkeySchema,
  webauthnOptionsSchema,
  confirmedChangeBody,
  credentialsBody,
  currentPasswordBody,
  enrolmentConfirmationBody,
  enrolmentSchema,
  recoveryCodesSchema,
  secondFactorAnswerBody,
  secondFactorRequiredSchema,
  secondFactorStatusSchema,
  currentSessionSchema,
  emailAddressesSchema,
  emailChangeBody,
  emailRemovalBody,
  emailVerificationBody,
  errorSchema,
  passwordChangeBody,
  passwordResetBody,
  passwordResetRequestBody,
  registrationBody,
  sessionListSchema,
  sessionRevocationBody,
  sessionsEndedSchema,
} from './api-schemas';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(errorSchema) });
const session = { description: 'The session cookie (`__Host-session`), as the web app sets it.' };

const bodyErrors = {
  '400': error(
    'Invalid input: malformed JSON, invalid UTF-8, wrong types, or rule violations listed in `details`.',
  ),
  '403': error('Cross-site request refused.'),
  '413': error('Body over 16 KiB.'),
  '415': error('Body not sent as application/json.'),
};
const notSignedIn = error('Not signed in, or the session has ended.');
// Open to a session that must set up a second factor first (docs/api.md): enrolment's own routes.
const signedInWhileEnrolling = { '401': notSignedIn };
const signedIn = {
  '401': notSignedIn,
  '403': error(
    'Cross-site request refused, or (`second_factor_enrolment_required`) the account must set up a second factor first.',
  ),
};
const retryLater = (description: string) => ({
  ...error(description),
  headers: { 'Retry-After': { schema: { type: 'integer' as const } } },
});
const throttled = {
  '429': retryLater('Too many attempts; `Retry-After` says how many seconds to wait.'),
};
const unavailable = {
  '503': retryLater(
    'The database cannot be reached right now; `Retry-After` says when to try again.',
  ),
};
// Routes that check or hash a password can also be too busy to: nothing was checked or stored.
const unavailableOrBusy = {
  '503': retryLater(
    'The database cannot be reached right now (`service_unavailable`), or no password-hashing thread was free in time (`busy`); `Retry-After` says when to try again.',
  ),
};

// Email endpoints answer 404 `email_disabled` where email is off (production without SMTP_URL).
const emailOff = { '404': error('Email is off on this server (`email_disabled`).') };
// Sensitive changes on an account with two-step sign-in need it proved in the last REAUTH_WINDOW.
const stale = {
  '403': error(
    'Cross-site request refused, the account must set up a second factor first (`second_factor_enrolment_required`), or (`reauthentication_required`) two-step sign-in must be proved again first: POST /api/auth/reauthenticate.',
  ),
};
// Ending other sessions asks for the password only outside REAUTH_WINDOW (ASVS 7.5.2).
const endingOthers =
  'Ending another session needs `currentPassword` once this session signed in more than REAUTH_WINDOW ago (or, with two-step sign-in, reauthenticated); within it the body may be left out.';
const revocationErrors = {
  ...bodyErrors,
  '400': error(
    'The current password is missing or wrong (`invalid_input`, with `details.currentPassword`), or the body is not a JSON object.',
  ),
  ...signedIn,
  ...stale,
  ...throttled,
  ...unavailableOrBusy,
};
const invalidLink = error(
  'The link has expired or has been used (`invalid_link`), or, with `details`, the new password breaks a rule.',
);

/** The OpenAPI 3.1 description of /api/auth, generated from the same zod schemas the API uses. */
export function createOpenApiDocument(): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse API',
      version: '1.0.0',
      description:
        'Session authentication over JSON. The API uses the same cookie as the web app: log in, keep the cookie, send it back (`curl -c jar` then `-b jar`).',
    },
    components: {
      securitySchemes: { sessionCookie: { type: 'apiKey', in: 'cookie', name: '__Host-session' } },
    },
    paths: {
      '/api/auth/register': {
        post: {
          summary:
            'Create an account and sign in; an email address, if given, gets a verification link',
          requestBody: json(registrationBody),
          responses: {
            '201': { ...session, ...json(currentSessionSchema) },
            ...bodyErrors,
            '409': error('That username is taken.'),
            ...throttled,
            ...unavailableOrBusy,
          },
        },
      },
      '/api/auth/login': {
        post: {
          summary: 'Sign in; an account with two-step sign-in then needs a code',
          requestBody: json(credentialsBody),
          responses: {
            '200': { ...session, ...json(currentSessionSchema) },
            '202': {
              description:
                'The password is right and the account has two-step sign-in: no session yet. A pending-login cookie is set; send the code to POST /api/auth/login/second-factor within five minutes.',
              ...json(secondFactorRequiredSchema),
            },
            ...bodyErrors,
            '401': error(
              'Invalid username or password (the same answer whether or not the user exists).',
            ),
            '403': error(
              'Cross-site request refused, or (`passkey_required`) the password is right but a second factor is required and the account has a passkey: sign in with it.',
            ),
            ...throttled,
            ...unavailableOrBusy,
          },
        },
      },
      '/api/auth/login/second-factor': {
        post: {
          summary: 'Finish a two-step sign-in with a code from the app or a recovery code',
          description: 'Needs the pending-login cookie that POST /api/auth/login set.',
          requestBody: json(secondFactorAnswerBody),
          responses: {
            '200': { ...session, ...json(currentSessionSchema) },
            ...bodyErrors,
            '401': error(
              'A wrong code (`invalid_code`), or no pending login, an expired one or one with too many wrong codes (`pending_login_expired`): log in again.',
            ),
            ...throttled,
            ...unavailableOrBusy,
          },
        },
      },
      '/api/auth/second-factor': {
        get: {
          summary: 'Whether two-step sign-in is on, and how many recovery codes are left',
          security: [{ sessionCookie: [] }],
          responses: {
            '200': { description: 'The status.', ...json(secondFactorStatusSchema) },
            ...signedInWhileEnrolling,
            ...unavailable,
          },
        },
        post: {
          summary: 'Turn on two-step sign-in with the enrolment and one code from the app',
          description: 'Every other session ends; this one counts as signed in with both factors.',
          security: [{ sessionCookie: [] }],
          requestBody: json(enrolmentConfirmationBody),
          responses: {
            '201': { description: 'On.', ...json(recoveryCodesSchema) },
            ...bodyErrors,
            '400': error(
              'A wrong code (`invalid_input`, with `details`), or an enrolment that expired or belongs to another session (`enrolment_expired`).',
            ),
            ...signedInWhileEnrolling,
            '409': error('Already on (`already_enabled`).'),
            ...unavailableOrBusy,
          },
        },
        delete: {
          summary: 'Turn off two-step sign-in: the password and a current code or a recovery code',
          security: [{ sessionCookie: [] }],
          requestBody: json(confirmedChangeBody),
          responses: {
            '204': { description: 'Off; a notice is mailed.' },
            ...bodyErrors,
            ...signedIn,
            '409': error('Not on (`not_enabled`).'),
            ...throttled,
            ...unavailableOrBusy,
          },
        },
      },
      '/api/auth/second-factor/enrolment': {
        post: {
          summary: 'Start setting up an authenticator app: a new secret, nothing stored yet',
          security: [{ sessionCookie: [] }],
          requestBody: json(currentPasswordBody),
          responses: {
            '200': { description: 'The secret to add to the app.', ...json(enrolmentSchema) },
            ...bodyErrors,
            ...signedInWhileEnrolling,
            '409': error('Already on (`already_enabled`).'),
            ...throttled,
            ...unavailableOrBusy,
          },
        },
      },
      '/api/auth/second-factor/recovery-codes': {
        post: {
          summary: 'Replace every recovery code with ten new ones',
          security: [{ sessionCookie: [] }],
          requestBody: json(currentPasswordBody),
          responses: {
            '200': { description: 'The new codes.', ...json(recoveryCodesSchema) },
            ...bodyErrors,
            ...signedIn,
            ...stale,
            '409': error('Two-step sign-in is not on (`not_enabled`).'),
            ...throttled,
            ...unavailableOrBusy,
          },
        },
      },
      '/api/auth/reauthenticate': {
        post: {
          summary:
            'Prove the password (and the second factor, if on) again, for sensitive changes in the next REAUTH_WINDOW',
          security: [{ sessionCookie: [] }],
          requestBody: json(confirmedChangeBody),
          responses: {
            '204': { description: 'Confirmed, for this session.' },
            ...bodyErrors,
            ...signedIn,
            ...throttled,
            ...unavailableOrBusy,
          },
        },
      },
      '/api/auth/passkeys': {
        get: {
          summary: "The caller's passkeys",
          security: [{ sessionCookie: [] }],
          responses: {
            '200': { description: 'Oldest first.', ...json(passkeyListSchema) },
            ...signedInWhileEnrolling,
            ...unavailable,
          },
        },
        post: {
          summary: 'Add a passkey: the response to the options from registration-options',
          security: [{ sessionCookie: [] }],
          requestBody: json(passkeyRegistrationBody),
          responses: {
            '201': {
              description: 'Added; a notice is mailed.',
              ...json(z.object({ passkey: passkeySchema })),
            },
            ...bodyErrors,
            '400': error(
              'A challenge this browser does not hold, or one that expired or was used, or a response that did not verify (`passkey_refused`); or a bad name (`invalid_input`).',
            ),
            ...signedInWhileEnrolling,
            ...unavailable,
          },
        },
      },
      '/api/auth/passkeys/registration-options': {
        post: {
          summary: 'Start adding a passkey: the current password, then options for the browser',
          security: [{ sessionCookie: [] }],
          requestBody: json(currentPasswordBody),
          responses: {
            '200': { description: 'The options.', ...json(webauthnOptionsSchema) },
            ...bodyErrors,
            ...signedInWhileEnrolling,
            ...stale,
            ...throttled,
            ...unavailableOrBusy,
          },
        },
      },
      '/api/auth/passkeys/{id}': {
        patch: {
          summary: 'Rename one of your passkeys',
          security: [{ sessionCookie: [] }],
          requestParams: { path: z.object({ id: z.string() }) },
          requestBody: json(passkeyRenameBody),
          responses: {
            '204': { description: 'Renamed.' },
            ...bodyErrors,
            ...signedIn,
            '404': error('No such passkey among yours.'),
            ...unavailable,
          },
        },
        delete: {
          summary: 'Remove one of your passkeys, with the current password',
          security: [{ sessionCookie: [] }],
          requestParams: { path: z.object({ id: z.string() }) },
          requestBody: json(currentPasswordBody),
          responses: {
            '204': { description: 'Removed; a notice is mailed.' },
            ...bodyErrors,
            ...signedIn,
            ...stale,
            '404': error('No such passkey among yours.'),
            ...throttled,
            ...unavailableOrBusy,
          },
        },
      },
      '/api/auth/passkeys/login-options': {
        post: {
          summary: 'Start signing in with a passkey: options for the browser',
          description:
            'Sets a sealed cookie for the challenge, one per challenge, for five minutes; beyond the newest few, the oldest the browser sent are expired. Starts that never sign in are bounded per client IP, or per browser for one that has signed in here before (its device cookie); a successful sign-in gives its start back.',
          responses: {
            '200': { description: 'The options.', ...json(webauthnOptionsSchema) },
            '403': bodyErrors['403'],
            '429': retryLater(
              'Too many passkey sign-ins were started and not finished from this network (or this browser); `Retry-After` says how many seconds to wait.',
            ),
            ...unavailable,
          },
        },
      },
      '/api/auth/passkeys/login': {
        post: {
          summary: 'Sign in with a passkey: the response to the options from login-options',
          requestBody: json(passkeyLoginBody),
          responses: {
            '200': { ...session, ...json(currentSessionSchema) },
            ...bodyErrors,
            '401': error(
              "Not signed in (`passkey_refused`): a challenge this browser does not hold, or one that expired or was used; a passkey that is unknown, unverified or from another site, whose user handle is not its owner's, or whose counter went backwards.",
            ),
            ...unavailable,
          },
        },
      },
      '/api/auth/logout': {
        post: {
          summary: 'End this session',
          responses: {
            '204': { description: 'Signed out.' },
            '403': bodyErrors['403'],
            ...unavailable,
          },
        },
      },
      '/api/auth/session': {
        get: {
          summary: 'The current user and session times',
          security: [{ sessionCookie: [] }],
          responses: {
            '200': { description: 'Signed in.', ...json(currentSessionSchema) },
            ...signedInWhileEnrolling,
            ...unavailable,
          },
        },
      },
      '/api/auth/sessions': {
        get: {
          summary: "The caller's live sessions",
          security: [{ sessionCookie: [] }],
          responses: {
            '200': { description: 'Sessions, newest activity first.', ...json(sessionListSchema) },
            ...signedIn,
            ...unavailable,
          },
        },
        delete: {
          summary: 'End every session but this one',
          description: endingOthers,
          security: [{ sessionCookie: [] }],
          requestBody: { ...json(sessionRevocationBody), required: false },
          responses: {
            '200': { description: 'Ended.', ...json(sessionsEndedSchema) },
            ...revocationErrors,
          },
        },
      },
      '/api/auth/sessions/{id}': {
        delete: {
          summary: 'End one of your sessions',
          description: `Ending this session needs no password. ${endingOthers}`,
          security: [{ sessionCookie: [] }],
          requestParams: { path: z.object({ id: z.string() }) },
          requestBody: { ...json(sessionRevocationBody), required: false },
          responses: {
            '204': { description: 'Ended.' },
            ...revocationErrors,
            '400': error(
              'The id in the path is not valid percent-encoding (`malformed_path`); or the current password is missing or wrong (`invalid_input`, with `details.currentPassword`), or the body is not a JSON object.',
            ),
            '404': error('No such session among yours.'),
          },
        },
      },
      '/api/auth/password': {
        post: {
          summary: 'Change the password; every other session ends',
          security: [{ sessionCookie: [] }],
          requestBody: json(passwordChangeBody),
          responses: {
            '200': {
              description: 'Changed; a fresh session cookie is set.',
              ...json(currentSessionSchema),
            },
            ...bodyErrors,
            ...signedIn,
            ...stale,
            ...throttled,
            ...unavailableOrBusy,
          },
        },
      },
      '/api/auth/password-reset': {
        post: {
          summary:
            'Ask for a password-reset link: the same answer whether or not an account matches',
          requestBody: json(passwordResetRequestBody),
          responses: {
            '202': { description: 'Accepted.', ...json(acceptedSchema) },
            ...bodyErrors,
            ...emailOff,
          },
        },
      },
      '/api/auth/password-reset/complete': {
        post: {
          summary:
            'Set a new password with the token from a reset link; every session ends, nobody is signed in',
          requestBody: json(passwordResetBody),
          responses: {
            '204': { description: 'Changed: log in with the new password.' },
            ...bodyErrors,
            '400': invalidLink,
            ...emailOff,
            ...unavailableOrBusy,
          },
        },
      },
      '/api/auth/email': {
        get: {
          summary: "The account's verified address and the one waiting for verification",
          security: [{ sessionCookie: [] }],
          responses: {
            '200': { description: 'The addresses.', ...json(emailAddressesSchema) },
            ...signedIn,
            ...unavailable,
          },
        },
        post: {
          summary:
            'Add or change the address: a verification link goes to it (the same answer if another account has it)',
          security: [{ sessionCookie: [] }],
          requestBody: json(emailChangeBody),
          responses: {
            '202': { description: 'Link sent.', ...json(acceptedSchema) },
            ...bodyErrors,
            ...signedIn,
            ...stale,
            ...emailOff,
            ...throttled,
            ...unavailableOrBusy,
          },
        },
        delete: {
          summary: 'Remove the address',
          security: [{ sessionCookie: [] }],
          requestBody: json(emailRemovalBody),
          responses: {
            '204': { description: 'Removed.' },
            ...bodyErrors,
            ...signedIn,
            ...stale,
            ...emailOff,
            ...throttled,
            ...unavailableOrBusy,
          },
        },
      },
      '/api/auth/email/verify': {
        post: {
          summary: 'Verify an address with the token from the mailed link',
          requestBody: json(emailVerificationBody),
          responses: {
            '200': { description: 'Verified.', ...json(z.object({ email: z.string() })) },
            ...bodyErrors,
            '400': error('The link has expired or has been used (`invalid_link`).'),
            '409': error('The address now belongs to another account (`address_taken`).'),
            ...emailOff,
            ...unavailable,
          },
        },
      },
    },
  });
}
