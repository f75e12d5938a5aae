import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { inTransaction, openStore } from '../../src/store/database.ts';
import { PostgresChangeFeed } from '../../src/store/change-feed.ts';
import { freshDatabase, testDialects } from '../support/dialects.ts';
import { eventually } from '../support/openvpn-client.ts';

function recorder(): { changes: string[]; resyncs: number; handlers: { change(id: string): void; resync(): void } } {
  const out = { changes: [] as string[], resyncs: 0, handlers: { change: (id: string) => void out.changes.push(id), resync: () => void (out.resyncs += 1) } };
  return out;
}

for (const dialect of testDialects()) {
  describe(`change feed (${dialect})`, () => {
    if (dialect === 'sqlite') {
      test('SQLite is single-process: publishing is a no-op and subscribing works', async () => {
        const database = await freshDatabase(dialect);
        const store = await openStore(database.url);
        try {
          assert.equal(store.changes.crossProcess, false);
          const seen = recorder();
          const subscription = await store.changes.subscribe('intents', seen.handlers);
          await inTransaction(store.db, (trx) => store.changes.publish(trx, 'intents', 'srv-1'));
          assert.deepEqual(seen.changes, []);
          subscription.close();
        } finally {
          await store.close();
          await database.drop();
        }
      });
      return;
    }

    test('a change published in a transaction reaches another process when it commits, never on rollback', async () => {
      const database = await freshDatabase(dialect);
      const writer = await openStore(database.url);
      const reader = await openStore(database.url);
      try {
        assert.equal(reader.changes.crossProcess, true);
        const seen = recorder();
        await reader.changes.subscribe('intents', seen.handlers);
        await assert.rejects(
          inTransaction(writer.db, async (trx) => {
            await writer.changes.publish(trx, 'intents', 'rolled-back');
            throw new Error('abort');
          }),
          /abort/,
        );
        let committed = false;
        await inTransaction(writer.db, async (trx) => {
          await writer.changes.publish(trx, 'intents', 'srv-1');
          // Not before the commit: give a premature notice the time to arrive.
          await new Promise((resolve) => setTimeout(resolve, 100));
          assert.deepEqual(seen.changes, [], 'nothing is announced before the commit');
          committed = true;
        });
        assert.ok(committed);
        await eventually('notice after commit', async () => (seen.changes.length > 0 ? true : undefined), 5000, 5);
        assert.deepEqual(seen.changes, ['srv-1']);
        assert.equal(seen.resyncs, 0);

        // Kinds are separate channels, and a process does not hear its own notices.
        const servers = recorder();
        await reader.changes.subscribe('servers', servers.handlers);
        await reader.changes.publish(reader.db, 'servers', 'own');
        await writer.changes.publish(writer.db, 'servers', 'srv-2');
        await eventually('server notice', async () => (servers.changes.length > 0 ? true : undefined), 5000, 5);
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(servers.changes, ['srv-2']);
        assert.deepEqual(seen.changes, ['srv-1']);
      } finally {
        await writer.close();
        await reader.close();
        await database.drop();
      }
    });

    test('the listener reconnects after its connection is killed, resyncs, and hears later changes', async () => {
      const database = await freshDatabase(dialect);
      const writer = await openStore(database.url);
      const feed = new PostgresChangeFeed(database.url, { initialBackoffMs: 50, heartbeatMs: 200 });
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      try {
        const seen = recorder();
        await feed.subscribe('intents', seen.handlers);
        const name = new URL(database.url).pathname.slice(1);
        const killed = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'sluice-change-feed' and datname = $1`, [name]);
        assert.equal(killed.rowCount, 1, 'one listening connection per feed');
        await eventually('resync after reconnect', async () => (seen.resyncs === 1 ? true : undefined), 10_000, 20);
        await inTransaction(writer.db, (trx) => writer.changes.publish(trx, 'intents', 'srv-2'));
        await eventually('notice after reconnect', async () => (seen.changes.includes('srv-2') ? true : undefined), 5000, 5);
      } finally {
        await admin.end();
        await feed.close();
        await writer.close();
        await database.drop();
      }
    });
  });
}
