import { ESLint, Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_BACKEND } from '../fixtures/test-db';

// The layers import one way (eslint.config.mjs): db/ nothing of the app, the core nothing of
// Next.js or React, the app no database. Each rule, as the project's configuration sets it for a
// file of that layer, refuses the import that would cross, and lets the right one through.

const eslint = new ESLint();
const LAYER_FILES = ['db/queries/users.ts', 'lib/auth/login.ts', 'app/account/actions.ts'];
const configs = new Map<string, Linter.Config>();

// Loading the configuration (its plugins and parsers) takes a while the first time.
beforeAll(async () => {
  if (TEST_BACKEND === 'postgres') return;
  for (const file of LAYER_FILES)
    configs.set(file, (await eslint.calculateConfigForFile(file)) as Linter.Config);
}, 120_000);

function importsRefusedIn(file: string, imports: string[]): boolean[] {
  const rule = configs.get(file)?.rules?.['no-restricted-imports'];
  expect(rule, `no-restricted-imports for ${file}`).toBeDefined();
  const linter = new Linter();
  return imports.map(
    (from) =>
      linter.verify(`import x from '${from}';\nexport default x;\n`, {
        languageOptions: { sourceType: 'module' },
        rules: { 'no-restricted-imports': rule },
      }).length > 0,
  );
}

// Nothing here touches a database: once, with the SQLite pass, is enough.
describe.skipIf(TEST_BACKEND === 'postgres')('the layers', () => {
  it('db/ imports nothing from lib/ or app/', () => {
    expect(
      importsRefusedIn('db/queries/users.ts', [
        '@/lib/config',
        '@/app/page',
        '../lib/config',
        'drizzle-orm',
        '../schema',
      ]),
    ).toEqual([true, true, true, false, false]);
  });

  it('the core imports nothing of Next.js, React or the web glue', () => {
    expect(
      importsRefusedIn('lib/auth/login.ts', [
        'next/headers',
        'next',
        'react',
        'server-only',
        '@/lib/web/cookies',
        '@/db/queries/users',
        './session',
      ]),
    ).toEqual([true, true, true, true, true, false, false]);
  });

  it('app/ reaches the database only through the core', () => {
    expect(
      importsRefusedIn('app/account/actions.ts', [
        '@/db',
        '@/db/queries/sessions',
        '@/lib/auth/session',
        'next/navigation',
      ]),
    ).toEqual([true, true, false, false]);
  });
});
