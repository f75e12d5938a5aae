import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/database.ts';
import { QueryShapes } from '../../src/store/query-shapes.ts';
import { freshDatabase, testDialects } from '../support/dialects.ts';

for (const dialect of testDialects()) {
  describe(`query shapes (${dialect})`, () => {
    test('a shape built once answers each run with its own values, constants of the text kept', async () => {
      const database = await freshDatabase(dialect);
      const store = await openStore(database.url);
      try {
        const shapes = new QueryShapes();
        let builds = 0;
        const run = async (name: string, limit: number) => {
          const query = shapes.compile(store.db, 'by name', [name, limit], (mark) => {
            builds++;
            return store.db.selectFrom('users').select('name').where('name', '=', mark<string>(0)).where('name', '!=', 'constant').limit(mark<number>(1));
          });
          return (await store.db.executeQuery(query)).rows.map((r) => r.name);
        };
        const admin = 'admin';
        await store.db.insertInto('users').values({ id: 'u1', name: admin, disabled: 0, created_at: 1 }).execute();
        assert.deepEqual(await run(admin, 1), [admin]);
        assert.deepEqual(await run('nobody', 1), []);
        assert.deepEqual(await run(admin, 0), []);
        assert.equal(builds, 1);
        const compiled = shapes.compile(store.db, 'by name', ['x', 5], () => assert.fail('built again'));
        assert.deepEqual(compiled.parameters, ['x', 'constant', 5]);
      } finally {
        await store.close();
        await database.drop();
      }
    });
  });
}
