import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { SqliteCheckpointer } from './sqlite-checkpointer.ts';

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function walDatabase(t: { after(fn: () => void): void }): { file: string; native: SqliteDatabase.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-checkpoint-'));
  const file = join(dir, 'store.db');
  const native = new SqliteDatabase(file);
  native.pragma('journal_mode = WAL');
  native.pragma('synchronous = NORMAL');
  t.after(() => {
    if (native.open) native.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { file, native };
}

const autocheckpoint = (native: SqliteDatabase.Database): unknown => native.pragma('wal_autocheckpoint', { simple: true });

test('the worker copies the log into the database file; the main connection does not', async (t) => {
  const { file, native } = walDatabase(t);
  const checkpointer = new SqliteCheckpointer(native, file);
  t.after(() => checkpointer.close());
  assert.ok(Number(autocheckpoint(native)) > 1000, 'the main connection only checkpoints as a backstop');
  native.exec('create table t (id integer primary key, v text)');
  const insert = native.prepare('insert into t (v) values (?)');
  const commit = native.transaction(() => {
    for (let i = 0; i < 10; i++) insert.run('x'.repeat(1000));
  });
  // ≈ 4 MB in small commits: past SQLite's default mark of 1 000 pages, short of the backstop.
  for (let i = 0; i < 400; i++) commit();
  await until('the rows in the database file itself', () => statSync(file).size > 3_000_000);
  assert.ok(checkpointer.running);
});

test('a worker that cannot run leaves checkpoints to the main connection, as by default', async (t) => {
  const { file, native } = walDatabase(t);
  const checkpointer = new SqliteCheckpointer(native, `${file}-missing`);
  t.after(() => checkpointer.close());
  await until('the worker to stop', () => !checkpointer.running);
  assert.equal(autocheckpoint(native), 1000);
});

test('close ends the worker and leaves the connection usable', async (t) => {
  const { file, native } = walDatabase(t);
  const checkpointer = new SqliteCheckpointer(native, file);
  await checkpointer.close();
  assert.equal(checkpointer.running, false);
  assert.deepEqual(native.prepare('select 1 as one').get(), { one: 1 });
});
