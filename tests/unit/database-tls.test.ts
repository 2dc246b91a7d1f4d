import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@/db';
import type { PostgresTarget } from '@/db';
import { startPgTlsRelay, type PgTlsRelay } from '../fixtures/pg-tls-relay';
import { createTestDb, TEST_BACKEND, type TestDb } from '../fixtures/test-db';

// DATABASE_SSL against a real PostgreSQL reached over TLS (a relay adds TLS in front of it).
describe.skipIf(TEST_BACKEND !== 'postgres')('DATABASE_SSL', () => {
  let t: TestDb;
  let relay: PgTlsRelay;
  let dir: string;
  let caFile: string;
  const through = (host: string) => {
    const url = new URL(t.url);
    url.hostname = host;
    url.port = String(relay.port);
    return url.toString();
  };
  const target = (ssl: PostgresTarget['ssl'], host = '127.0.0.1') =>
    ({
      dialect: 'postgres',
      url: through(host),
      poolSize: 2,
      statementTimeoutMs: 5000,
      connectTimeoutMs: 3000,
      ssl,
    }) as const;
  const countUsers = async (ssl: PostgresTarget['ssl'], host?: string) => {
    const db = openDatabase(target(ssl, host));
    try {
      return (await db.orm.select().from(db.tables.users)).length;
    } finally {
      await db.close();
    }
  };

  beforeAll(async () => {
    t = await createTestDb();
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    });
    dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-tls-'));
    caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, pems.cert);
    const direct = new URL(t.url);
    relay = await startPgTlsRelay(
      { host: direct.hostname, port: Number(direct.port || 5432) },
      { key: pems.private, cert: pems.cert },
    );
  });
  afterAll(async () => {
    await relay?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('disable talks plain; require encrypts without checking the certificate', async () => {
    expect(await countUsers('disable')).toBe(0);
    expect(relay.connections.at(-1)).toBe('plain');
    expect(await countUsers('require')).toBe(0);
    expect(relay.connections.at(-1)).toBe('tls');
  });

  it('verify-full refuses a certificate no trusted CA signed', async () => {
    await expect(countUsers('verify-full')).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/self[- ]signed certificate/) },
    });
  });

  it(
    'verify-full accepts a certificate signed by a CA from NODE_EXTRA_CA_CERTS, for the name it was made for',
    { timeout: 30_000 },
    async () => {
      const run = (host: string) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile(
            'npm',
            ['run', '--silent', 'admin', '--', 'users:list'],
            {
              env: {
                ...process.env,
                NODE_ENV: 'production',
                SESSION_SECRET: 's'.repeat(32),
                ENCRYPTION_KEYS: 'e'.repeat(32),
                DATABASE_URL: through(host),
                DATABASE_SSL: 'verify-full',
                NODE_EXTRA_CA_CERTS: caFile,
              },
            },
            (error, stdout, stderr) =>
              resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
          );
        });
      expect(await run('localhost')).toMatchObject({ code: 0, stdout: 'No users.\n' });
      expect(relay.connections.at(-1)).toBe('tls');
    },
  );
});
