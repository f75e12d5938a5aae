import { sql, type Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.ts';

/**
 * Client events of every replica reach every replica's event streams, in order, none twice, none
 * skipped. Readers follow `seq`, so a `seq` must never become visible after a larger one.
 *
 * - SQLite: one writer at a time, nothing to do.
 * - PostgreSQL: two transactions can take `seq` 10 and 11 and commit 11 first; a reader that saw
 *   11 would never go back for 10. So every statement that inserts client events first takes one
 *   transaction-scoped advisory lock (before the key is drawn) and holds it to its commit: within
 *   the table, key order is commit order — the order SQLite gives. The lock is held only from the
 *   insert (the last write of those transactions) to the commit.
 *   And the insert announces itself on the change feed's `sluice_client_events` channel, one
 *   notice per server per statement, delivered on commit: no writer can forget it. The payload is
 *   `<origin> <server id>`, the origin being the writing process's `sluice.origin` setting (set on
 *   each of its pooled connections), so a process skips its own notices as on the other channels.
 *
 * The lock key (classid 0x534c, objid 1) is fixed here for good; src/store/locks.ts names the
 * other keys in that class.
 */
export async function up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void> {
  if (!caps.concurrentWriters) return;
  await sql`
    create function sluice_client_events_order() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_xact_lock(21324, 1);
      return null;
    end $$`.execute(db);
  await sql`create trigger client_events_order before insert on client_events for each statement execute function sluice_client_events_order()`.execute(db);
  await sql`
    create function sluice_client_events_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('sluice_client_events', coalesce(nullif(current_setting('sluice.origin', true), ''), '-') || ' ' || servers.id)
        from (select distinct vpn_server_id as id from inserted) as servers;
      return null;
    end $$`.execute(db);
  await sql`create trigger client_events_notify after insert on client_events referencing new table as inserted for each statement execute function sluice_client_events_notify()`.execute(db);
}
