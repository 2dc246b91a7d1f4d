import 'server-only';
import { sealData, unsealData } from 'iron-session';
import { createHash } from 'node:crypto';
import { getConfig } from '@/lib/config';

// iron-session's seal format ("Fe26.2*...*hmac~2"). Its parser tolerates junk after the version
// suffix; anything that is not exactly a seal is refused before unsealing.
const SEAL_PATTERN = /^Fe26\.2\*[\w*-]+~2$/;

// iron-session finds the secret for a seal by the numeric id inside it. Ids derived from each
// secret itself stay the same whatever the order or number of SESSION_SECRET entries, so
// rotating never strands a cookie sealed with a secret that is still listed.
const secretId = (secret: string) => Number.parseInt(createHash('sha256').update(secret).digest('hex').slice(0, 12), 16);

// Worked out once per configuration, not on every request.
let passwordsFor: { secrets: readonly string[]; seal: Record<number, string>; unseal: Record<number, string> } | undefined;
function passwords(): { seal: Record<number, string>; unseal: Record<number, string> } {
  const secrets = getConfig().sessionSecrets;
  if (passwordsFor?.secrets !== secrets) {
    const [newest] = secrets;
    passwordsFor = {
      secrets,
      seal: { [secretId(newest!)]: newest! },
      unseal: Object.fromEntries(secrets.map((s) => [secretId(s), s])),
    };
  }
  return passwordsFor;
}

/** The attributes both of Gatehouse's cookies share. */
export function cookieAttributes(): { httpOnly: true; secure: boolean; sameSite: 'lax'; path: '/' } {
  return { httpOnly: true, secure: getConfig().cookieSecure, sameSite: 'lax', path: '/' };
}

/** Seals a small object with the newest SESSION_SECRET; the seal expires after `ttlSeconds`. */
export async function seal(payload: Record<string, string>, ttlSeconds: number): Promise<string> {
  return sealData(payload, { password: passwords().seal, ttl: ttlSeconds });
}

/** The sealed object, or null for anything tampered, truncated, foreign, expired or garbage. */
export async function unseal(value: string | undefined, ttlSeconds: number): Promise<Record<string, unknown> | null> {
  if (!value || !SEAL_PATTERN.test(value)) return null;
  try {
    const data: Record<string, unknown> = await unsealData(value, { password: passwords().unseal, ttl: ttlSeconds });
    return Object.keys(data).length > 0 ? data : null;
  } catch {
    // iron-session 8 throws on malformed seals: treat as no cookie at all.
    return null;
  }
}
