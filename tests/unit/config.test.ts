import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, parseConfig } from '@/lib/config';

const secret = 's'.repeat(32);

describe('parseConfig', () => {
  it('has safe defaults', () => {
    const config = parseConfig({
      NODE_ENV: 'production',
      SESSION_SECRET: secret,
      ENCRYPTION_KEYS: 'k'.repeat(40),
    });
    expect(config.session).toEqual({
      idleTimeoutMs: 30 * 60 * 1000,
      absoluteTimeoutMs: 12 * 60 * 60 * 1000,
    });
    expect(config.user).toEqual({
      minLength: 15,
      contextWords: ['gatehouse', 'localhost'],
      bcryptCost: 12,
      breachedPasswords: {
        apiUrl: 'https://api.pwnedpasswords.com',
        timeoutMs: 2000,
        onError: 'accept',
      },
    });
    expect(config.cookies.session).toBe('__Host-session');
    expect(config.cookies.secure).toBe(true);
    expect(config.database).toEqual({
      dialect: 'sqlite',
      file: expect.stringMatching(/data\/gatehouse\.db$/),
    });
  });

  it('requires SESSION_SECRET in production and names every bad variable', () => {
    const attempt = () =>
      parseConfig({
        NODE_ENV: 'production',
        SESSION_IDLE_TIMEOUT: 'soon',
        BCRYPT_COST: '8',
        PASSWORD_MIN_LENGTH: '6',
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/SESSION_SECRET/);
    expect(attempt).toThrow(/SESSION_IDLE_TIMEOUT/);
    expect(attempt).toThrow(/PASSWORD_MIN_LENGTH/);
    expect(attempt).toThrow(/BCRYPT_COST: must be at least 10/);
  });

  it('refuses a short secret and an absolute lifetime shorter than the idle timeout', () => {
    expect(() => parseConfig({ NODE_ENV: 'production', SESSION_SECRET: 'short' })).toThrow(
      /SESSION_SECRET: each secret must be at least 32 characters/,
    );
    expect(() =>
      parseConfig({
        SESSION_SECRET: secret,
        SESSION_IDLE_TIMEOUT: '600',
        SESSION_ABSOLUTE_TIMEOUT: '60',
      }),
    ).toThrow(/SESSION_ABSOLUTE_TIMEOUT: must be at least SESSION_IDLE_TIMEOUT/);
  });

  it('drops the __Host- prefix only when COOKIE_SECURE=false', () => {
    const config = parseConfig({ SESSION_SECRET: secret, COOKIE_SECURE: 'false' });
    expect(config.cookies).toMatchObject({ secure: false, session: 'session' });
  });

  it('reads file: URLs and plain paths as SQLite files', () => {
    expect(
      parseConfig({ SESSION_SECRET: secret, DATABASE_URL: 'file:/tmp/x.db' }).database,
    ).toEqual({ dialect: 'sqlite', file: '/tmp/x.db' });
    expect(parseConfig({ SESSION_SECRET: secret, DATABASE_URL: '/tmp/y.db' }).database).toEqual({
      dialect: 'sqlite',
      file: '/tmp/y.db',
    });
  });

  it('reads postgres:// URLs with pool, timeouts and TLS, verifying certificates for any remote host', () => {
    const local = parseConfig({
      SESSION_SECRET: secret,
      DATABASE_URL: 'postgres://gh@127.0.0.1:5432/gatehouse',
    }).database;
    expect(local).toEqual({
      dialect: 'postgres',
      url: 'postgres://gh@127.0.0.1:5432/gatehouse',
      poolSize: 10,
      statementTimeoutMs: 5000,
      connectTimeoutMs: 5000,
      ssl: 'disable',
    });
    const remote = parseConfig({
      SESSION_SECRET: secret,
      DATABASE_URL: 'postgresql://db.internal/gatehouse',
      DATABASE_POOL_SIZE: '25',
      DATABASE_STATEMENT_TIMEOUT: '2000',
    }).database;
    expect(remote).toMatchObject({ poolSize: 25, statementTimeoutMs: 2000, ssl: 'verify-full' });
    expect(
      parseConfig({
        SESSION_SECRET: secret,
        DATABASE_URL: 'postgres://db.internal/g',
        DATABASE_SSL: 'require',
      }).database,
    ).toMatchObject({
      ssl: 'require',
    });
  });

  it('names what is wrong with database settings', () => {
    const attempt = (env: Record<string, string>) => () =>
      parseConfig({ SESSION_SECRET: secret, ...env });
    expect(attempt({ DATABASE_URL: 'postgres://db.internal/g?sslmode=require' })).toThrow(
      /DATABASE_URL: set DATABASE_SSL instead of sslmode/,
    );
    expect(attempt({ DATABASE_URL: 'postgres://[oops/g' })).toThrow(
      /DATABASE_URL: is not a valid postgres:\/\/ URL/,
    );
    expect(attempt({ DATABASE_SSL: 'yes' })).toThrow(
      /DATABASE_SSL: must be auto, disable, require or verify-full/,
    );
    expect(attempt({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE: must be at least 1/);
  });
});

describe('password settings', () => {
  it('keeps the site name, its host and PASSWORD_CONTEXT_WORDS out of passwords', () => {
    const config = parseConfig({
      SESSION_SECRET: secret,
      APP_NAME: 'Acme Accounts',
      APP_ORIGIN: 'https://auth.acme.example',
      PASSWORD_CONTEXT_WORDS: ' Acme, acmecorp ,,Roadrunner',
    });
    expect(config.user.contextWords).toEqual([
      'acme',
      'acmecorp',
      'roadrunner',
      'acme accounts',
      'auth.acme.example',
    ]);
    expect(() =>
      parseConfig({ SESSION_SECRET: secret, PASSWORD_CONTEXT_WORDS: 'acme,ab' }),
    ).toThrow(/PASSWORD_CONTEXT_WORDS: each word must be at least 3 characters/);
  });

  it('turns the breach check off when BREACHED_PASSWORD_API is empty, and names a bad one', () => {
    const off = parseConfig({ SESSION_SECRET: secret, BREACHED_PASSWORD_API: '' });
    expect(off.user.breachedPasswords.apiUrl).toBeNull();
    const stub = parseConfig({
      SESSION_SECRET: secret,
      BREACHED_PASSWORD_API: 'http://127.0.0.1:4000/pwned/',
      BREACHED_PASSWORD_TIMEOUT: '500',
      BREACHED_PASSWORD_ON_ERROR: 'refuse',
    });
    expect(stub.user.breachedPasswords).toEqual({
      apiUrl: 'http://127.0.0.1:4000/pwned',
      timeoutMs: 500,
      onError: 'refuse',
    });
    const attempt = () =>
      parseConfig({
        SESSION_SECRET: secret,
        BREACHED_PASSWORD_API: 'ftp://example.com',
        BREACHED_PASSWORD_TIMEOUT: '60000',
        BREACHED_PASSWORD_ON_ERROR: 'maybe',
      });
    expect(attempt).toThrow(/BREACHED_PASSWORD_API: must be an http\(s\) URL/);
    expect(attempt).toThrow(/BREACHED_PASSWORD_TIMEOUT: must be at most 30000/);
    expect(attempt).toThrow(/BREACHED_PASSWORD_ON_ERROR: must be accept or refuse/);
  });
});

describe('SESSION_SECRET rotation', () => {
  it('reads several secrets, newest first', () => {
    const newer = 'n'.repeat(40);
    expect(parseConfig({ SESSION_SECRET: `${newer}, ${secret}` }).sessionSecrets).toEqual([
      newer,
      secret,
    ]);
    expect(() => parseConfig({ SESSION_SECRET: `${newer},short` })).toThrow(
      /each secret must be at least 32/,
    );
  });
});

describe('ENCRYPTION_KEYS', () => {
  const key = 'k'.repeat(40);

  it('is required in production, apart from SESSION_SECRET, so rotating one never touches the other', () => {
    expect(() => parseConfig({ NODE_ENV: 'production', SESSION_SECRET: secret })).toThrow(
      /ENCRYPTION_KEYS: is required when NODE_ENV=production/,
    );
    const config = parseConfig({
      NODE_ENV: 'production',
      SESSION_SECRET: secret,
      ENCRYPTION_KEYS: key,
    });
    expect(config.encryptionKeys).toEqual([key]);
    expect(config.secondFactor.keys).toEqual([key]);
    expect(config.sessionSecrets).toEqual([secret]);
  });

  it('seals with a key of its own: the newest may not be a SESSION_SECRET, an older one may (upgrading)', () => {
    expect(() =>
      parseConfig({ NODE_ENV: 'production', SESSION_SECRET: secret, ENCRYPTION_KEYS: secret }),
    ).toThrow(/ENCRYPTION_KEYS: the newest key must not be one of SESSION_SECRET's/);
    expect(
      parseConfig({
        NODE_ENV: 'production',
        SESSION_SECRET: secret,
        ENCRYPTION_KEYS: `${key},${secret}`,
      }).encryptionKeys,
    ).toEqual([key, secret]);
  });

  it('outside production is generated once, apart from the session secret', () => {
    const config = parseConfig({});
    expect(config.encryptionKeys).toHaveLength(1);
    expect(config.encryptionKeys[0]).not.toBe(config.sessionSecrets[0]);
    expect(parseConfig({}).encryptionKeys).toEqual(config.encryptionKeys);
  });
});

describe('THROTTLE_IPV6_PREFIX', () => {
  it('counts IPv6 clients by their /64 unless set, from 32 to 128 bits', () => {
    expect(parseConfig({ SESSION_SECRET: secret }).throttle.ipv6PrefixLength).toBe(64);
    expect(
      parseConfig({ SESSION_SECRET: secret, THROTTLE_IPV6_PREFIX: '56' }).throttle.ipv6PrefixLength,
    ).toBe(56);
    expect(() => parseConfig({ SESSION_SECRET: secret, THROTTLE_IPV6_PREFIX: '16' })).toThrow(
      /THROTTLE_IPV6_PREFIX: must be at least 32/,
    );
    expect(() => parseConfig({ SESSION_SECRET: secret, THROTTLE_IPV6_PREFIX: '129' })).toThrow(
      /THROTTLE_IPV6_PREFIX: must be at most 128/,
    );
  });
});

describe('the configuration table in docs/configuration.md', () => {
  it('lists exactly the variables lib/config.ts reads', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const section = doc.split('## Every setting')[1]!.split('\n## ')[0]!;
    const documented = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});
