/**
 * Jobs that must run on exactly one process sharing the store at a time (the retention sweep and
 * the monitoring roll-up it does). Each job is a named singleton; the process holding it runs the
 * job, the others stand by.
 *
 * - PostgreSQL: a session-level advisory lock held on a connection of its own. Every replica waits
 *   for it inside `pg_advisory_lock` (no polling): when the holder dies, or its connection drops,
 *   the server ends that session, releases the lock and the next waiter holds it at once. The
 *   holder checks its connection every few seconds, and asks the server whether it still holds the
 *   lock before each run (`confirm`), so a holder cut off from the database stops running the job
 *   before another can have taken it for long.
 * - SQLite: one process owns the file, so it holds every singleton from the start.
 */
import pg from 'pg';

export type SingletonName = 'retention';

/**
 * Advisory lock keys: class 0x534c ("SL"), one object id each. Id 1 is the client-event order
 * lock of migration 2026-11-30-831.
 */
const LOCK_CLASS = 21324;
const LOCK_IDS: Record<SingletonName, number> = { retention: 2 };

export interface SingletonLock {
  readonly name: SingletonName;
  /** Whether this process holds the singleton now. */
  readonly held: boolean;
  /** Hears every change of `held` (called at once with the present state). */
  onChange(listener: (held: boolean) => void): () => void;
  /** Asks the database whether the lock is still held here (false, and `held` turns false, if not). */
  confirm(): Promise<boolean>;
  /** Releases the singleton (or stops waiting for it). */
  close(): Promise<void>;
}

/** SQLite: the only process there is. */
export function localSingleton(name: SingletonName): SingletonLock {
  return {
    name,
    held: true,
    onChange: (listener) => {
      listener(true);
      return () => undefined;
    },
    confirm: async () => true,
    close: async () => undefined,
  };
}

export interface SingletonOptions {
  /** First delay before connecting again after a failure; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A query on the holding connection this often, so a silently dead connection is noticed. */
  heartbeatMs?: number;
}

export class PostgresSingleton implements SingletonLock {
  private current = false;
  private client: pg.Client | undefined;
  private closed = false;
  private readonly listeners = new Set<(held: boolean) => void>();
  private readonly done: Promise<void>;
  private wake: (() => void) | undefined;

  constructor(
    private readonly url: string,
    readonly name: SingletonName,
    private readonly options: SingletonOptions = {},
  ) {
    this.done = this.run();
  }

  get held(): boolean {
    return this.current;
  }

  onChange(listener: (held: boolean) => void): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }

  async confirm(): Promise<boolean> {
    const client = this.client;
    if (!this.current || client === undefined) return false;
    try {
      const result = await client.query<{ held: boolean }>(
        `select exists (select 1 from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() and classid = $1 and objid = $2 and objsubid = 2 and granted) as held`,
        [LOCK_CLASS, LOCK_IDS[this.name]],
      );
      if (result.rows[0]?.held === true) return true;
    } catch {
      // The connection is gone: so is the lock.
    }
    if (this.client === client) void client.end().catch(() => undefined);
    this.set(false);
    return false;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.client?.end().catch(() => undefined);
    await this.done;
  }

  private set(held: boolean): void {
    if (this.current === held) return;
    this.current = held;
    for (const listener of this.listeners) listener(held);
  }

  /** Connect, wait for the lock, hold it until the connection is lost; again, with back-off. */
  private async run(): Promise<void> {
    let backoffMs = this.options.initialBackoffMs ?? 100;
    while (!this.closed) {
      const client = new pg.Client({ connectionString: this.url, application_name: `sluice-singleton-${this.name}`, keepAlive: true, connectionTimeoutMillis: 5000 });
      let markLost: () => void = () => undefined;
      const lost = new Promise<void>((resolve) => (markLost = resolve));
      client.on('error', () => markLost());
      client.on('end', () => markLost());
      let heartbeat: NodeJS.Timeout | undefined;
      try {
        await client.connect();
        this.client = client;
        if (this.closed) break;
        // A server session whose client went away while it waited gives up within a second
        // (PostgreSQL 14 and later) instead of taking the lock for nobody.
        await client.query(`set client_connection_check_interval = '1s'`).catch(() => undefined);
        await client.query('select pg_advisory_lock($1, $2)', [LOCK_CLASS, LOCK_IDS[this.name]]);
        if (this.closed) break;
        backoffMs = this.options.initialBackoffMs ?? 100;
        this.set(true);
        heartbeat = setInterval(() => void client.query('select 1').catch(() => markLost()), this.options.heartbeatMs ?? 5000);
        heartbeat.unref();
        await lost;
      } catch {
        // Connecting or waiting failed: try again after the back-off.
      } finally {
        clearInterval(heartbeat);
        if (this.client === client) this.client = undefined;
        this.set(false);
        await client.end().catch(() => undefined);
      }
      if (this.closed) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoffMs);
        timer.unref();
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      backoffMs = Math.min(this.options.maxBackoffMs ?? 5000, backoffMs * 2);
    }
  }
}
