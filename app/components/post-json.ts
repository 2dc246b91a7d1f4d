// The browser side of the few forms that need JavaScript (passkeys): a JSON POST to the API, and
// the words to show when it answers with an error.

export function postJson(path: string, body: object = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
}

type ApiError = { error?: { message?: string; details?: Record<string, string> } };

/** The API's message for a refused request: a field's own message first, if it names one. */
export async function errorMessageOf(response: Response): Promise<string> {
  const body = (await response.json().catch(() => ({}))) as ApiError;
  return (
    Object.values(body.error?.details ?? {})[0] ??
    body.error?.message ??
    'Something went wrong on our side. Try again in a moment.'
  );
}
