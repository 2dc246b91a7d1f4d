import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

// Encryption at rest for what Gatehouse must read back (queued mail, second-factor secrets): a
// copy of the database alone yields none of it. AES-256-GCM under a key derived for one purpose
// from each configured key (ENCRYPTION_KEYS, never the cookies' SESSION_SECRET), so no key serves
// two purposes. Each box names the key that sealed it, so keys rotate:
// the newest seals, all of them open, and `admin keys:rotate` re-seals old boxes under the newest.

export type SecretPurpose = 'mail-outbox' | 'totp-secret';

const VERSION = 'gh1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type SecretBox = {
  /** Encrypts `plaintext`, bound to `context` (what it belongs to): it opens only with the same. */
  seal(plaintext: string, context: string): string;
  /** The plaintext, or null for a box that is tampered, foreign, or sealed with a key no longer configured. */
  open(sealed: string, context: string): string | null;
  /** Whether the box was sealed with the newest key (rotation re-seals the others). */
  isCurrent(sealed: string): boolean;
};

type Key = { id: string; key: Buffer };

function deriveKey(secret: string, purpose: SecretPurpose): Key {
  const key = Buffer.from(hkdfSync('sha256', secret, 'gatehouse', `gatehouse ${purpose} v1`, 32));
  // The id names the key without telling anything about it.
  return { id: createHash('sha256').update(key).digest('base64url').slice(0, 8), key };
}

/** A box for one purpose, under these keys, newest first. */
export function createSecretBox(secrets: readonly string[], purpose: SecretPurpose): SecretBox {
  const keys = secrets.map((secret) => deriveKey(secret, purpose));
  const newest = keys[0];
  if (!newest) throw new Error('At least one key is needed');
  const aad = (context: string) => Buffer.from(`${purpose}\u0000${context}`);

  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', newest.key, iv).setAAD(aad(context));
      const body = Buffer.concat([
        cipher.update(plaintext, 'utf8'),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return [VERSION, newest.id, iv.toString('base64url'), body.toString('base64url')].join('.');
    },

    open(sealed, context) {
      const [version, id, iv, body] = sealed.split('.');
      const key = keys.find((k) => k.id === id);
      if (version !== VERSION || !key || !iv || !body) return null;
      const bytes = Buffer.from(body, 'base64url');
      if (bytes.length < TAG_BYTES) return null;
      try {
        const decipher = createDecipheriv(
          'aes-256-gcm',
          key.key,
          Buffer.from(iv, 'base64url'),
        ).setAAD(aad(context));
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        return Buffer.concat([
          decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        return null;
      }
    },

    isCurrent: (sealed) => sealed.split('.')[1] === newest.id,
  };
}
