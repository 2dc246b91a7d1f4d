import { describe, expect, it } from 'vitest';
import { createSecretBox } from '@/lib/secret-box';

const older = 'an-older-encryption-key-of-enough-length';
const newer = 'a-newer-encryption-key-of-enough-length!';

describe('createSecretBox', () => {
  it('seals so that the database holds no plaintext, and opens only with the same context', () => {
    const box = createSecretBox([newer], 'mail-outbox');
    const sealed = box.seal(
      'https://gatehouse.test/reset-password?token=secret',
      'alice@example.com',
    );
    expect(sealed).not.toContain('secret');
    expect(sealed).toMatch(/^gh1\.[\w-]{8}\.[\w-]+\.[\w-]+$/);
    expect(box.open(sealed, 'alice@example.com')).toBe(
      'https://gatehouse.test/reset-password?token=secret',
    );
    expect(box.open(sealed, 'mallory@example.com')).toBeNull(); // moved to another row: refused
    expect(box.seal('same', 'x')).not.toBe(box.seal('same', 'x')); // a fresh IV each time
  });

  it('refuses tampered and foreign boxes, and keeps purposes apart', () => {
    const box = createSecretBox([newer], 'mail-outbox');
    const sealed = box.seal('the message', 'to');
    const [v, id, iv, body] = sealed.split('.');
    const flipped = `${body!.slice(0, -2)}${body!.at(-2) === 'A' ? 'B' : 'A'}${body!.at(-1)}`;
    for (const bad of [
      `${v}.${id}.${iv}.${flipped}`,
      `${v}.${id}.${iv}`,
      'garbage',
      '',
      `gh2.${id}.${iv}.${body}`,
    ]) {
      expect(box.open(bad, 'to'), bad).toBeNull();
    }
    expect(createSecretBox([older], 'mail-outbox').open(sealed, 'to')).toBeNull();
    expect(createSecretBox([newer], 'totp-secret').open(sealed, 'to')).toBeNull();
  });

  it('opens what an older key sealed while that key is listed, and says which boxes to re-seal', () => {
    const before = createSecretBox([older], 'mail-outbox').seal('queued before the rotation', 'to');
    const rotated = createSecretBox([newer, older], 'mail-outbox');
    expect(rotated.open(before, 'to')).toBe('queued before the rotation');
    expect(rotated.isCurrent(before)).toBe(false);
    expect(rotated.isCurrent(rotated.seal('after', 'to'))).toBe(true);
  });
});
