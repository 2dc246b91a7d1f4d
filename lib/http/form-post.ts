import { extractInfoFromServerReferenceId } from 'next/dist/shared/lib/server-reference-info';

// What the proxy lets through to a page as a form post. Next.js answers 500 for a body over its
// server-action limit and for action arguments it cannot decode, or that do not fit the action
// (an empty list, a number where the form data goes): a 4xx is the right answer to all of them.
// Gatehouse's forms are small and every one calls its action as `(previousState, formData)`
// through useActionState, so anything larger, or in another shape, is not a form it rendered.

/** No Gatehouse form comes near this; well below Next.js's own 1 MB limit, so this answers first. */
export const MAX_FORM_BODY_BYTES = 64 * 1024;

export type FormPostVerdict = { ok: true } | { ok: false; status: 400 | 413; reason: string };

const FORM_TYPE = /^(multipart\/form-data|application\/x-www-form-urlencoded)/i;
const TOO_LARGE: FormPostVerdict = { ok: false, status: 413, reason: 'too large' };
const refuse = (reason: string): FormPostVerdict => ({ ok: false, status: 400, reason });

/** Checks a POST to a page (not the JSON API) before Next.js reads it. */
export async function checkFormPost(request: Request): Promise<FormPostVerdict> {
  const type = request.headers.get('content-type') ?? '';
  const actionId = request.headers.get('next-action');
  const isForm = FORM_TYPE.test(type);
  if (!isForm && actionId === null) return { ok: true };
  if (Number(request.headers.get('content-length') ?? 0) > MAX_FORM_BODY_BYTES) return TOO_LARGE;

  // The proxy gets a buffered copy of the body (cut short past Next.js's proxy limit, which is
  // far above this one), so its length is the length sent even without Content-Length.
  const body = await request.clone().arrayBuffer();
  if (body.byteLength > MAX_FORM_BODY_BYTES) return TOO_LARGE;
  if (!isForm) return checkScriptCall(actionId!, parseJson(new TextDecoder().decode(body)), false);
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': type } }).formData();
  } catch {
    return refuse('body does not parse');
  }
  if (actionId !== null) return checkScriptCall(actionId, parseJson(form.get('0')), true);
  if ([...form.keys()].some((key) => key.startsWith('$ACTION'))) return checkFormSubmission(form);
  return { ok: true };
}

/**
 * With JavaScript, React sends the arguments as JSON: `[previousState, "$K<n>"]`, the second a
 * reference to the form's fields, in field "0" of a multipart body. Next.js's client leaves out
 * the arguments an action never reads, as the first byte of its id says (which is how it knows),
 * so those may be missing; what the action reads must be there, in its shape.
 */
function checkScriptCall(actionId: string, args: unknown, hasFormData: boolean): FormPostVerdict {
  if (!/^[0-9a-f]{42}$/.test(actionId) || !Array.isArray(args) || args.length > 2)
    return refuse('not an action call Gatehouse sends');
  const { type, usedArgs, hasRestArgs } = extractInfoFromServerReferenceId(actionId);
  if (type !== 'server-action' || hasRestArgs || usedArgs.slice(2).some(Boolean))
    return refuse('not an action of a Gatehouse form');
  const [state, formData] = [args[0], args[1]];
  const fits =
    (usedArgs[0] ? isPlainState(state) : isUnused(state)) &&
    (usedArgs[1] ? hasFormData && isFormReference(formData) : isUnused(formData));
  return fits ? { ok: true } : refuse('action arguments not in the shape Gatehouse sends');
}

const isUnused = (arg: unknown) => arg === undefined || arg === null || arg === '$undefined';

// Without JavaScript, the browser posts the form with React's hidden fields: the action and its
// bound previous state (`$ACTION_<n>:0`, `$ACTION_<n>:1`), a reference, and a key.
function checkFormSubmission(form: FormData): FormPostVerdict {
  const keys = [...form.keys()].filter((key) => key.startsWith('$ACTION'));
  const refs = keys
    .map((key) => /^\$ACTION_REF_(\d{1,4})$/.exec(key)?.[1])
    .filter((n) => n !== undefined);
  if (refs.length !== 1) return refuse('not one action reference');
  const n = refs[0];
  const expected = new Set([`$ACTION_REF_${n}`, `$ACTION_${n}:0`, `$ACTION_${n}:1`, '$ACTION_KEY']);
  if (keys.length !== expected.size || !keys.every((key) => expected.has(key)))
    return refuse('unexpected action fields');
  const action = parseJson(form.get(`$ACTION_${n}:0`));
  const bound = parseJson(form.get(`$ACTION_${n}:1`));
  const fits =
    isObject(action) &&
    Object.keys(action).length === 2 &&
    typeof action.id === 'string' &&
    /^[0-9a-f]{1,64}$/.test(action.id) &&
    action.bound === '$@1' &&
    Array.isArray(bound) &&
    bound.length === 1 &&
    isPlainState(bound[0]) &&
    typeof form.get('$ACTION_KEY') === 'string';
  return fits ? { ok: true } : refuse('action fields not in the shape Gatehouse renders');
}

function parseJson(value: FormDataEntryValue | string | null): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isFormReference = (value: unknown) => typeof value === 'string' && /^\$K\d{1,4}$/.test(value);

const MAX_STATE_DEPTH = 3;
const MAX_STATE_KEYS = 32;

/**
 * A form's state as React encodes it: objects of text, numbers, true/false and null, a level or
 * two deep. A string starting with "$" is one of React's references, unless escaped ("$$").
 */
function isPlainState(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'string')
    return (
      !value.startsWith('$') || value.startsWith('$$') || (depth > 0 && value === '$undefined')
    );
  if (!isObject(value) || depth >= MAX_STATE_DEPTH) return false;
  const entries = Object.values(value);
  return (
    entries.length <= MAX_STATE_KEYS && entries.every((entry) => isPlainState(entry, depth + 1))
  );
}
