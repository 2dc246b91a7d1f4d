import { sealData, unsealData } from 'iron-session';
import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';

// Sealed cookie values with iron-session, outside Next.js (lib/web/seal.ts binds it to the
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
  const sealPasswords = { [secretId(newest)]: newest };
  const unsealPasswords = Object.fromEntries(secrets.map((s) => [secretId(s), s]));
  const remembered = new LRUCache<string, { payload: Payload; expiresAt: number }>({
    max: UNSEAL_CACHE_ENTRIES,
  });

  return {
    seal: (payload, ttlSeconds) => sealData(payload, { password: sealPasswords, ttl: ttlSeconds }),

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
