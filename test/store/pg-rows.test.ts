import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openStore } from '../../src/store/database.ts';
import { freshDatabase, testDialects } from '../support/dialects.ts';

/**
 * Parameterised statements on PostgreSQL are named, and their rows built from arrays by the store
 * (database.ts): they must read exactly as pg's own row objects would.
 */
if (testDialects().includes('postgres')) {
  test('rows of named statements read as pg would give them (postgres)', async () => {
    const database = await freshDatabase('postgres');
    const store = await openStore(database.url);
    try {
      const mixed = sql<Record<string, unknown>>`select ${'x'}::text as b, ${'9007199254740991'}::int8 as big, null::text as none, true as yes, 1 as a, 2 as a`;
      assert.deepEqual((await mixed.execute(store.db)).rows, [{ b: 'x', big: 9007199254740991, none: null, yes: true, a: 2 }]);
      const many = sql<{ n: number }>`select n from generate_series(1, ${3}::int) as n`;
      assert.deepEqual((await many.execute(store.db)).rows, [{ n: 1 }, { n: 2 }, { n: 3 }]);
      // The same text again (now prepared on this connection), and a write with no rows back.
      assert.deepEqual((await many.execute(store.db)).rows.length, 3);
      const write = await sql`create temporary table t (id int)`.execute(store.db);
      assert.deepEqual(write.rows, []);
      const inserted = await sql`insert into vpn_servers_missing_table_is_not_used select ${1} where false`.execute(store.db).catch((error: unknown) => error);
      assert.ok(inserted instanceof Error, 'errors still reach the caller');
    } finally {
      await store.close();
      await database.drop();
    }
  });
}
