import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type TestDialect = 'sqlite' | 'postgres';

/**
 * Which databases the store and API suites run on. Both by default; SLUICE_TEST_DIALECTS narrows it
 * (e.g. "sqlite"). scripts/test.js sets SLUICE_TEST_PG_URL to a running server or a throwaway one.
 */
export function testDialects(): TestDialect[] {
  const wanted = (process.env.SLUICE_TEST_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim());
  return wanted.filter((d): d is TestDialect => d === 'sqlite' || d === 'postgres');
}

export const adminPgUrl = (): string => process.env.SLUICE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of the dialect: a temp SQLite file, or a new PostgreSQL database. */
export async function freshDatabase(dialect: TestDialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-db-'));
    return { url: join(dir, 'sluice.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `sluice_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminPgUrl() });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminPgUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminPgUrl() });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
