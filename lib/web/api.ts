import 'server-only';
import { NextResponse } from 'next/server';
import { isDatabaseUnavailable, OUTAGE_RETRY_AFTER_SECONDS } from '@/db/health';
import type { Refused } from '@/lib/auth/context';
import type { ReauthenticationRequired } from '@/lib/auth/second-factor-check';
import type { FieldErrors } from '@/lib/auth/validation';
import { getCurrentSession, type CurrentSession } from './dal';

// Shared by every JSON route handler: one error shape, one body reader, no caching.

export const MAX_JSON_BODY_BYTES = 16 * 1024;

export type ApiErrorBody = {
  error: { code: string; message: string; details?: Record<string, string> };
};

// no-transform: answers are a few hundred bytes of JSON, which compressing only slows down.
const UNCACHED_UNCOMPRESSED = { 'Cache-Control': 'no-store, no-transform' };

export function apiJson(data: unknown, status = 200): NextResponse {
  return NextResponse.json(data, { status, headers: UNCACHED_UNCOMPRESSED });
}

export function apiNoContent(): NextResponse {
  return new NextResponse(null, { status: 204, headers: UNCACHED_UNCOMPRESSED });
}

export function apiError(
  status: number,
  code: string,
  message: string,
  options: { details?: FieldErrors<string>; retryAfterSeconds?: number } = {},
): NextResponse {
  const body: ApiErrorBody = {
    error: {
      code,
      message,
      ...(options.details ? { details: options.details as Record<string, string> } : {}),
    },
  };
  const headers: Record<string, string> = { ...UNCACHED_UNCOMPRESSED };
  if (options.retryAfterSeconds !== undefined)
    headers['Retry-After'] = String(options.retryAfterSeconds);
  return NextResponse.json(body, { status, headers });
}

/**
 * Wraps a route handler so a database outage is a 503 the client may retry (the cause is logged
 * by db/health.ts), never a bare 500. Any other error still reaches Next.js as a 500.
 */
export function apiRoute<A extends unknown[]>(
  handler: (...args: A) => Promise<Response>,
): (...args: A) => Promise<Response> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      return apiError(
        503,
        'service_unavailable',
        'Gatehouse cannot reach its database right now. Try again shortly.',
        {
          retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS,
        },
      );
    }
  };
}

/** 404 for the email endpoints where email is off (production without SMTP_URL). */
export const emailDisabled = () => apiError(404, 'email_disabled', 'This server sends no mail.');

/** A password or second factor that changed while a sign-in or a change was being checked. */
export const credentialsChanged = () =>
  apiError(
    409,
    'credentials_changed',
    "The account's password or second factor changed while this was being checked. Log in again.",
  );

export const unauthorized = () =>
  apiError(401, 'unauthorized', 'Not signed in, or the session has ended.');

export const validationFailed = (details: FieldErrors<string>) =>
  apiError(400, 'invalid_input', 'Some fields are not valid.', { details });

/**
 * 429 for too many attempts, 503 when no hashing thread was free in time (both say when to
 * retry), 403 when a sensitive change needs the second factor proved again first.
 */
export const refused = (result: Refused | ReauthenticationRequired) =>
  result.reason === 'reauthentication_required'
    ? apiError(403, 'reauthentication_required', result.message)
    : result.reason === 'busy'
      ? apiError(503, 'busy', result.message, { retryAfterSeconds: result.retryAfterSeconds })
      : apiError(429, 'too_many_requests', result.message, {
          retryAfterSeconds: result.retryAfterSeconds,
        });

/**
 * Reads a JSON object body: 415 unless it is declared JSON, 413 past the size limit (counted
 * while reading, whatever Content-Length claims), 400 for invalid UTF-8, bad JSON or a non-object.
 */
export async function readJsonObject(
  request: Request,
): Promise<{ ok: true; body: Record<string, unknown> } | { ok: false; response: NextResponse }> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return {
      ok: false,
      response: apiError(415, 'unsupported_media_type', 'Send the body as application/json.'),
    };
  }
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_JSON_BODY_BYTES) return { ok: false, response: tooLarge() };

  const bytes = await readCapped(request);
  if (!bytes) return { ok: false, response: tooLarge() };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return {
      ok: false,
      response: apiError(400, 'invalid_encoding', 'The body is not valid UTF-8.'),
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, response: apiError(400, 'malformed_json', 'The body is not valid JSON.') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      response: apiError(400, 'invalid_input', 'The body must be a JSON object.'),
    };
  }
  return { ok: true, body: value as Record<string, unknown> };
}

/**
 * As readJsonObject, for a request whose body may be left out (a DELETE that needs the password
 * only sometimes): no body and no Content-Type reads as `{}`.
 */
export async function readOptionalJsonObject(request: Request): ReturnType<typeof readJsonObject> {
  if (request.headers.get('content-type') === null) {
    const bytes = await readCapped(request);
    if (bytes?.byteLength === 0) return { ok: true, body: {} };
  }
  return readJsonObject(request);
}

const tooLarge = () =>
  apiError(413, 'payload_too_large', `The body may be at most ${MAX_JSON_BODY_BYTES} bytes.`);

async function readCapped(request: Request): Promise<Uint8Array | null> {
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_JSON_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export const enrolmentRequired = () =>
  apiError(
    403,
    'second_factor_enrolment_required',
    'This account must set up two-step sign-in first: an authenticator app or a passkey.',
  );

/**
 * The caller's session for a JSON route, or the answer to send instead: 401 without a live
 * session, 403 `second_factor_enrolment_required` while its account must set up a second factor,
 * unless the route is one of enrolment's (`enrolling`).
 */
export async function apiSession({ enrolling = false }: { enrolling?: boolean } = {}): Promise<
  CurrentSession | Response
> {
  const current = await getCurrentSession();
  if (!current) return unauthorized();
  if (current.mustEnrol && !enrolling) return enrolmentRequired();
  return current;
}

/**
 * A JSON route for the signed-in caller: refused as apiSession refuses, then the body read as
 * `readJsonObject` reads it.
 */
export function signedInJsonRoute(
  handler: (current: CurrentSession, body: Record<string, unknown>) => Promise<Response>,
  options: { enrolling?: boolean } = {},
): (request: Request) => Promise<Response> {
  return apiRoute(async (request: Request) => {
    const current = await apiSession(options);
    if (current instanceof Response) return current;
    const read = await readJsonObject(request);
    if (!read.ok) return read.response;
    return handler(current, read.body);
  });
}
