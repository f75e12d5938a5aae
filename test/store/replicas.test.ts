/**
 * What the store gives processes that share it: client events announced to the others by the
 * store itself and made visible in sequence order, and singletons held by one process at a time.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { inTransaction, openStore } from '../../src/store/database.ts';
import { appendClientEvents, clientEventsSince, type NewClientEvent } from '../../src/store/client-events.ts';
import { PostgresSingleton } from '../../src/store/singletons.ts';
import { freshDatabase, testDialects } from '../support/dialects.ts';
import { eventually } from '../support/openvpn-client.ts';

const ev = (serverId: string, clientId: string): NewClientEvent => ({ vpnServerId: serverId, clientId, type: 'connected', at: 1, actor: null, data: {} });

for (const dialect of testDialects()) {
  describe(`store shared by replicas (${dialect})`, () => {
    if (dialect === 'sqlite') {
      test('SQLite: the one process holds every singleton from the start', async () => {
        const database = await freshDatabase(dialect);
        const store = await openStore(database.url);
        try {
          const lock = store.singleton('retention');
          const seen: boolean[] = [];
          lock.onChange((held) => seen.push(held));
          assert.equal(lock.held, true);
          assert.deepEqual(seen, [true]);
          assert.equal(await lock.confirm(), true);
          await lock.close();
        } finally {
          await store.close();
          await database.drop();
        }
      });
      return;
    }

    test('client events announce themselves to the other processes, one notice per server and transaction, never to the writer', async () => {
      const database = await freshDatabase(dialect);
      const writer = await openStore(database.url);
      const reader = await openStore(database.url);
      try {
        const heard: string[] = [];
        const own: string[] = [];
        await reader.changes.subscribe('client_events', { change: (id) => void heard.push(id), resync: () => undefined });
        await writer.changes.subscribe('client_events', { change: (id) => void own.push(id), resync: () => undefined });
        await inTransaction(writer.db, async (trx) => {
          await appendClientEvents(trx, [ev('srv-1', 'c1'), ev('srv-2', 'c2')]);
          await appendClientEvents(trx, [ev('srv-1', 'c3')]);
        });
        await assert.rejects(
          inTransaction(writer.db, async (trx) => {
            await appendClientEvents(trx, [ev('rolled-back', 'c4')]);
            throw new Error('abort');
          }),
          /abort/,
        );
        await eventually('both servers announced', async () => (heard.length >= 2 ? true : undefined), 5000, 5);
        // A marker from the reader's side: once it is heard by the writer, the writer's own notices
        // (sent earlier on the same server) would have been heard too.
        await appendClientEvents(reader.db, [ev('marker', 'm')]);
        await eventually('marker heard by the writer', async () => (own.includes('marker') ? true : undefined), 5000, 5);
        assert.deepEqual([...heard].sort(), ['srv-1', 'srv-2']);
        assert.deepEqual(own, ['marker']);
      } finally {
        await writer.close();
        await reader.close();
        await database.drop();
      }
    });

    test('a client event never becomes visible before one with a smaller sequence number', async () => {
      const database = await freshDatabase(dialect);
      const store = await openStore(database.url);
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      try {
        let releaseFirst: () => void = () => undefined;
        const firstMayCommit = new Promise<void>((resolve) => (releaseFirst = resolve));
        let firstInserted: () => void = () => undefined;
        const inserted = new Promise<void>((resolve) => (firstInserted = resolve));
        const first = inTransaction(store.db, async (trx) => {
          await appendClientEvents(trx, [ev('srv', 'first')]);
          firstInserted();
          await firstMayCommit;
        });
        await inserted;
        const second = inTransaction(store.db, (trx) => appendClientEvents(trx, [ev('srv', 'second')]));
        // The second insert waits for the first transaction's order lock (not a timer: the server says so).
        await eventually('second insert waits on the order lock', async () => {
          const waiting = await admin.query(`select 1 from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database()) and classid = 21324 and objid = 1 and not granted`);
          return waiting.rowCount === 1 ? true : undefined;
        });
        assert.deepEqual((await clientEventsSince(store.db, 'srv', 0, 10)).map((e) => e.clientId), [], 'nothing committed yet');
        releaseFirst();
        await Promise.all([first, second]);
        const events = await clientEventsSince(store.db, 'srv', 0, 10);
        assert.deepEqual(events.map((e) => e.clientId), ['first', 'second'], 'sequence order is commit order');
      } finally {
        await admin.end();
        await store.close();
        await database.drop();
      }
    });

    test('a singleton is held by one process at a time and moves when its holder’s connection goes, or it lets go', async () => {
      const database = await freshDatabase(dialect);
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      const locks: PostgresSingleton[] = [];
      try {
        const one = new PostgresSingleton(database.url, 'retention', { initialBackoffMs: 50, heartbeatMs: 200 });
        locks.push(one);
        await eventually('first holds it', async () => (one.held ? true : undefined), 10_000, 10);
        const two = new PostgresSingleton(database.url, 'retention', { initialBackoffMs: 50, heartbeatMs: 200 });
        const three = new PostgresSingleton(database.url, 'retention', { initialBackoffMs: 50, heartbeatMs: 200 });
        locks.push(two, three);
        await eventually('the others wait inside the lock call', async () => {
          const waiting = await admin.query(`select 1 from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database()) and classid = 21324 and objid = 2 and not granted`);
          return waiting.rowCount === 2 ? true : undefined;
        });
        assert.deepEqual(locks.map((l) => l.held), [true, false, false]);
        assert.equal(await one.confirm(), true);
        assert.equal(await two.confirm(), false);

        // The holder's connection is cut (as when its process dies): one waiter takes over, and the
        // old holder learns it no longer holds it.
        const holderPid = async (): Promise<number> => Number((await admin.query(`select pid from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database()) and classid = 21324 and objid = 2 and granted`)).rows[0]?.pid);
        await admin.query('select pg_terminate_backend($1)', [await holderPid()]);
        await eventually('exactly one other holds it', async () => (!one.held && two.held !== three.held ? true : undefined), 10_000, 10);
        const next = two.held ? two : three;
        assert.equal(await next.confirm(), true);
        // The old holder waits again; when the new one lets go, one of the two left takes it.
        await eventually('the old holder waits again', async () => {
          const waiting = await admin.query(`select 1 from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database()) and classid = 21324 and objid = 2 and not granted`);
          return waiting.rowCount === 2 ? true : undefined;
        });
        await next.close();
        await eventually('taken over after a clean release', async () => (locks.filter((l) => l !== next && l.held).length === 1 ? true : undefined), 10_000, 10);
      } finally {
        await Promise.all(locks.map((l) => l.close()));
        await admin.end();
        await database.drop();
      }
    });
  });
}
