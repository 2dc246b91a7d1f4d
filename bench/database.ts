import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DatabaseTarget } from '@/db';
import {
  adminUrl,
  databaseUrl,
  dropDatabasesWithPrefix,
  ensureDatabase,
} from '../tests/fixtures/postgres';

export type Backend = 'sqlite' | 'postgres';
export type BenchDatabase = { url: string; target: DatabaseTarget; remove: () => Promise<void> };

/** A fresh database for one benchmark run: a temporary SQLite file, or a new PostgreSQL database. */
export async function createBenchDatabase(backend: Backend): Promise<BenchDatabase> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-bench-'));
    const file = path.join(dir, 'bench.db');
    return {
      url: `file:${file}`,
      target: { dialect: 'sqlite', file },
      remove: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `gatehouse_bench_${randomBytes(4).toString('hex')}`;
  const url = databaseUrl(name, adminUrl());
  await ensureDatabase(url);
  return {
    url,
    target: {
      dialect: 'postgres',
      url,
      poolSize: 10,
      statementTimeoutMs: 60_000,
      connectTimeoutMs: 5000,
      ssl: 'disable',
    },
    remove: async () => void (await dropDatabasesWithPrefix(name)),
  };
}
