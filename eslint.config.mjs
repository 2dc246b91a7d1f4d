import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';
import { defineConfig, globalIgnores } from 'eslint/config';

const LAYERS = {
  db: 'db/ owns schema, connections and queries and imports nothing from the app.',
  core: 'The core (lib/auth/, lib/mail/) knows nothing of Next.js: take what it needs as arguments.',
  app: 'app/ reaches the database only through the core (lib/auth/) and lib/web/.',
};

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    // Every database call is async: a forgotten await would let a write fail unseen or a
    // pending Promise pass a check. Type-aware rules catch both.
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { attributes: false } },
      ],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    rules: {
      // A leading underscore marks a value left out on purpose (destructuring it away).
      '@typescript-eslint/no-unused-vars': [
        'warn',
        { varsIgnorePattern: '^_', argsIgnorePattern: '^_' },
      ],
    },
  },
  // The layers import one way: db/ knows nothing of the app, the core (lib/auth/) nothing of
  // Next.js or React, and the app reaches the database only through the core.
  {
    files: ['db/**/*.ts', 'db/**/*.mjs'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@/lib/*', '@/app/*', '../lib/*', '../../lib/*'], message: LAYERS.db },
          ],
        },
      ],
    },
  },
  {
    files: ['lib/auth/**/*.ts', 'lib/mail/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['next', 'next/*', 'react', 'react-dom', 'server-only'],
              message: LAYERS.core,
            },
            { group: ['@/app/*', '@/lib/web/*', '../web/*'], message: LAYERS.core },
          ],
        },
      ],
    },
  },
  {
    files: ['app/**/*.ts', 'app/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@/db', '@/db/*'], message: LAYERS.app }] },
      ],
    },
  },
  globalIgnores([
    '.next/**',
    'dist/**',
    'node_modules/**',
    'data/**',
    'test-results/**',
    'playwright-report/**',
    'next-env.d.ts',
  ]),
]);
