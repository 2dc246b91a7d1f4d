import { describe, expect, it } from 'vitest';
import { safeNextPath } from '@/lib/web/safe-redirect';

describe('safeNextPath', () => {
  it.each(['/protected', '/protected?tab=1', '/a/b#c', '/'])(
    'keeps the same-origin path %s',
    (path) => {
      expect(safeNextPath(path)).toBe(path);
    },
  );

  it.each([
    'https://evil.example/',
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    '/\t/evil.example',
    '/\n/evil.example',
    'http:evil.example',
    'protected',
    '',
    null,
    ['/protected'],
    '/' + 'a'.repeat(3000),
  ])('sends %j to /protected', (next) => {
    expect(safeNextPath(next)).toBe('/protected');
  });
});
