import { sealData, unsealData } from 'iron-session';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSealer } from '@/lib/seal';

const older = 'o'.repeat(40);
const newer = 'n'.repeat(40);

describe('createSealer', () => {
  it('opens what it sealed, again and again (the second time from its cache)', async () => {
    const sealer = createSealer([newer]);
    const value = await sealer.seal({ token: 'abc' }, 60);
    expect(await sealer.unseal(value, 60)).toEqual({ token: 'abc' });
    expect(await sealer.unseal(value, 60)).toEqual({ token: 'abc' });
  });

  it('refuses tampered, truncated, foreign and garbage values, even next to a remembered one', async () => {
    const sealer = createSealer([newer]);
    const value = await sealer.seal({ token: 'abc' }, 60);
    await sealer.unseal(value, 60);
    const flipped = value.replace(
      /\*([A-Za-z0-9_-])([A-Za-z0-9_-]*)~2$/,
      (_m, c: string, rest: string) => `*${c === 'A' ? 'B' : 'A'}${rest}~2`,
    );
    expect(flipped).not.toBe(value);
    for (const bad of [flipped, value.slice(0, -5), `${value}x`, 'garbage', '', undefined]) {
      expect(await sealer.unseal(bad, 60)).toBeNull();
    }
    const stranger = createSealer(['s'.repeat(40)]);
    expect(await stranger.unseal(value, 60)).toBeNull();
  });

  it('keeps opening values sealed with a secret that is still listed after a rotation', async () => {
    const before = await createSealer([older]).seal({ token: 'kept' }, 60);
    const rotated = createSealer([newer, older]);
    expect(await rotated.unseal(before, 60)).toEqual({ token: 'kept' });
    expect(await createSealer([newer]).unseal(before, 60)).toBeNull();
  });

  it("seals in iron-session's own format: each opens what the other sealed", async () => {
    const id = Number.parseInt(createHash('sha256').update(newer).digest('hex').slice(0, 12), 16);
    const password = { [id]: newer };
    const before = Date.now();
    const ours = await createSealer([newer]).seal({ token: 'abc', next: '/é' }, 60);
    expect(await unsealData(ours, { password, ttl: 60 })).toEqual({ token: 'abc', next: '/é' });
    const expiresAt = Number(ours.split('*')[5]);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
    const theirs = await sealData({ token: 'def' }, { password, ttl: 60 });
    expect(await createSealer([newer]).unseal(theirs, 60)).toEqual({ token: 'def' });
  });

  it('never seals the same payload to the same value', async () => {
    const sealer = createSealer([newer]);
    const [a, b] = [await sealer.seal({ token: 'x' }, 60), await sealer.seal({ token: 'x' }, 60)];
    expect(a).not.toBe(b);
    expect(a.split('*')[2]).not.toBe(b.split('*')[2]);
  });

  it('refuses a secret shorter than iron-session allows', () => {
    expect(() => createSealer(['short'])).toThrow(/at least 32/);
    expect(() => createSealer([newer, 'short'])).toThrow(/at least 32/);
  });
});
