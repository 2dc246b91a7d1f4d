import { unsealData } from 'iron-session';
import { LRUCache } from 'lru-cache';
import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

// Sealed cookie values in iron-session's format, outside Next.js (lib/web/seal.ts binds it to the
// configured SESSION_SECRET; the benchmark uses it directly).

// iron-session's seal format ("Fe26.2*id*salt*iv*data*expiry*hmac-salt*hmac~2"). Its parser
// tolerates junk after the version suffix; anything that is not exactly a seal is refused first.
const SEAL_PATTERN = /^Fe26\.2\*[\w*-]+~2$/;
const EXPIRY_FIELD = 5;

// Unsealing costs a key derivation and an HMAC, many times the session lookup; a browser sends
// the same cookie with every request. So each value that unsealed is remembered, by its exact
// text, until its own expiry. Only values that passed the HMAC get in, so nothing forged can; the
// database check still runs on every request, so ending a session still takes effect at once.
const UNSEAL_CACHE_ENTRIES = 10_000;

// iron-session finds the secret for a seal by the numeric id inside it. Ids derived from each
// secret itself stay the same whatever the order or number of secrets, so rotating never strands
// a cookie sealed with a secret that is still listed.
const secretId = (secret: string) =>
  Number.parseInt(createHash('sha256').update(secret).digest('hex').slice(0, 12), 16);

// iron-session's shortest secret.
const MIN_SECRET_LENGTH = 32;

/**
 * Seals as iron-session's sealData does (iron-webcrypto's defaults: AES-256-CBC under a PBKDF2
 * key from a fresh 256-bit salt, then HMAC-SHA-256 under another), with Node's synchronous crypto:
 * WebCrypto's per-call work made each seal many times the cost of the cipher and the MAC, several
 * times per sign-in. Opening stays with iron-session, which is also the test that both agree.
 */
function ironSeal(payload: Record<string, string>, id: number, secret: string, ttlSeconds: number) {
  const newSalt = () => randomBytes(32).toString('hex');
  const keyFor = (salt: string) => pbkdf2Sync(secret, salt, 1, 32, 'sha1');
  const salt = newSalt();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', keyFor(salt), iv);
  const encrypted = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  const expiresAt = Date.now() + ttlSeconds * 1000;
  const sealed = `Fe26.2*${id}*${salt}*${iv.toString('base64url')}*${encrypted.toString('base64url')}*${expiresAt}`;
  const macSalt = newSalt();
  const mac = createHmac('sha256', keyFor(macSalt)).update(sealed).digest('base64url');
  return `${sealed}*${macSalt}*${mac}~2`;
}

export type Payload = Record<string, unknown>;

export type Sealer = {
  /** Seals a small object with the newest secret; the seal expires after `ttlSeconds`. */
  seal(payload: Record<string, string>, ttlSeconds: number): Promise<string>;
  /** The sealed object, or null for anything tampered, truncated, foreign, expired or garbage. */
  unseal(value: string | undefined, ttlSeconds: number): Promise<Payload | null>;
};

/** A sealer for these secrets, newest first: the newest seals, all of them unseal. */
export function createSealer(secrets: readonly string[]): Sealer {
  const [newest] = secrets;
  if (!newest) throw new Error('At least one secret is needed');
  if (secrets.some((secret) => secret.length < MIN_SECRET_LENGTH))
    throw new Error(`Each secret needs at least ${MIN_SECRET_LENGTH} characters`);
  const newestId = secretId(newest);
  const unsealPasswords = Object.fromEntries(secrets.map((s) => [secretId(s), s]));
  const remembered = new LRUCache<string, { payload: Payload; expiresAt: number }>({
    max: UNSEAL_CACHE_ENTRIES,
  });

  return {
    seal: async (payload, ttlSeconds) => ironSeal(payload, newestId, newest, ttlSeconds),

    async unseal(value, ttlSeconds) {
      if (!value || !SEAL_PATTERN.test(value)) return null;
      const hit = remembered.get(value);
      if (hit) {
        if (Date.now() < hit.expiresAt) return hit.payload;
        remembered.delete(value);
      }
      let payload: Payload;
      try {
        payload = await unsealData(value, { password: unsealPasswords, ttl: ttlSeconds });
      } catch {
        // iron-session 8 throws on malformed seals: treat as no cookie at all.
        return null;
      }
      // An expired seal unseals to an empty object.
      if (Object.keys(payload).length === 0) return null;
      const expiresAt = Number(value.split('*')[EXPIRY_FIELD]);
      if (Number.isFinite(expiresAt) && expiresAt > 0)
        remembered.set(value, { payload: Object.freeze(payload), expiresAt });
      return payload;
    },
  };
}
