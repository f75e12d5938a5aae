import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/database.ts';
import { freshDatabase, testDialects } from '../support/dialects.ts';
import { assertGolden } from '../support/golden.ts';

const golden = (dialect: string): string => fileURLToPath(new URL(`./golden/schema-${dialect}.json`, import.meta.url));

async function describeSchema(store: Store): Promise<unknown> {
  if (store.caps.name === 'sqlite') {
    const rows = await sql<{ type: string; name: string; sql: string | null }>`select type, name, sql from sqlite_master where name not like 'sqlite_%' order by type, name`.execute(store.db);
    return rows.rows;
  }
  const columns = await sql<Record<string, string>>`
    select table_name, column_name, data_type, is_nullable from information_schema.columns
    where table_schema = 'public' order by table_name, ordinal_position`.execute(store.db);
  const indexes = await sql<Record<string, string>>`select indexname, indexdef from pg_indexes where schemaname = 'public' order by indexname`.execute(store.db);
  return { columns: columns.rows, indexes: indexes.rows.map((r) => ({ ...r, indexdef: r.indexdef?.replace(/ON [a-z_]+\./, 'ON ') })) };
}

/** Migrating an empty database yields exactly the checked-in schema: migrations stay append-only. */
for (const dialect of testDialects()) {
  describe(`schema (${dialect})`, () => {
    test('migrations from empty match the schema snapshot, and re-running them changes nothing', async () => {
      const database = await freshDatabase(dialect);
      try {
        const store = await openStore(database.url);
        const schema = await describeSchema(store);
        await store.close();
        const again = await openStore(database.url);
        assertGolden(golden(dialect), schema);
        assertGolden(golden(dialect), await describeSchema(again));
        await again.close();
      } finally {
        await database.drop();
      }
    });
  });
}
