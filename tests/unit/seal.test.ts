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
});
