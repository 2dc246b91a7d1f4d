import { startPasskeyLogin } from '@/lib/auth/passkeys';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/runtime';
import { apiJson, apiRoute, refused } from '@/lib/web/api';
import { readDeviceId, setPasskeyChallengeCookie } from '@/lib/web/cookies';
import { getRequestContext } from '@/lib/web/request-context';

/** Options for navigator.credentials.get(): any passkey of this site. */
export const POST = apiRoute(async (): Promise<Response> => {
  const ceremony = await startPasskeyLogin(
    getDb(),
    await getRequestContext(),
    getConfig(),
    await readDeviceId(),
  );
  if (!ceremony.ok) return refused(ceremony);
  await setPasskeyChallengeCookie('login', ceremony.challenge);
  return apiJson(ceremony.options);
});
