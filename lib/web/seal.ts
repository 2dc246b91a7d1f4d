import 'server-only';
import { getConfig } from '@/lib/config';
import { createSealer, type Payload, type Sealer } from '@/lib/seal';

// One sealer (and so one cache of unsealed values) per configuration.
let sealerFor: { secrets: readonly string[]; sealer: Sealer } | undefined;
function sealer(): Sealer {
  const secrets = getConfig().sessionSecrets;
  if (sealerFor?.secrets !== secrets) sealerFor = { secrets, sealer: createSealer(secrets) };
  return sealerFor.sealer;
}

/** The attributes both of Gatehouse's cookies share. */
export function cookieAttributes(): { httpOnly: true; secure: boolean; sameSite: 'lax'; path: '/' } {
  return { httpOnly: true, secure: getConfig().cookieSecure, sameSite: 'lax', path: '/' };
}

/** Seals a small object with the newest SESSION_SECRET; the seal expires after `ttlSeconds`. */
export function seal(payload: Record<string, string>, ttlSeconds: number): Promise<string> {
  return sealer().seal(payload, ttlSeconds);
}

/** The sealed object, or null for anything tampered, truncated, foreign, expired or garbage. */
export function unseal(value: string | undefined, ttlSeconds: number): Promise<Payload | null> {
  return sealer().unseal(value, ttlSeconds);
}
