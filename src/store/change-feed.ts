/**
 * The store's change feed: tells every process sharing the store that something of a given kind
 * changed for a VPN server, so a replica that did not make the change can act on it at once.
 *
 * What changed is always in the tables; a notice carries only its kind and the server id, and a
 * listener re-reads. A process does not hear its own notices: it tells its own parts directly. So a lost notice costs latency, never state: after a gap (the listener's
 * connection broke) subscribers are told to `resync`, i.e. re-read everything they care about.
 *
 * - PostgreSQL: `NOTIFY` on one channel per kind (`sluice_<kind>`), sent inside the writer's
 *   transaction, so it is delivered exactly when the change commits and never for a rollback. One
 *   dedicated connection per process LISTENs; it reconnects with back-off and then resyncs.
 * - SQLite: one process owns the file, so there is nobody else to tell; publish does nothing and
 *   subscribers never hear anything (their own process notifies them directly).
 *
 * Kinds are named here so later ones (gateways on their own hosts) reuse the same connection and
 * rules. `client_events` is not published by code: the table's insert trigger announces it
 * (migration 2026-11-30-831), with the writing process's origin, so every writer announces.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import type { Executor } from './schema.ts';

/**
 * `intents`: a disconnect or delete of a client was recorded (the pending-intent index says which).
 * `servers`: a VPN server was created, changed (config, routes, CRL) or deleted.
 * `client_events`: client events of the server were appended (announced by the store itself).
 * `gateways`: a gateway's credential stopped working (deleted or re-enrolled); the id is the gateway's.
 * `principals`: what an API token speaks for changed — a user's roles, keys or state (`u:<user id>`)
 *   or one sign-in ended (`f:<token family id>`); replicas forget what they cached of it.
 */
export type ChangeKind = 'intents' | 'servers' | 'client_events' | 'gateways' | 'principals';

const CHANNELS: Record<ChangeKind, string> = {
  intents: 'sluice_intents',
  servers: 'sluice_servers',
  client_events: 'sluice_client_events',
  gateways: 'sluice_gateways',
  principals: 'sluice_principals',
};

export interface ChangeHandlers {
  /** Something of the kind changed for this server (committed already). */
  change(serverId: string): void;
  /** Notices may have been missed: re-read whatever the subscriber keeps in step. */
  resync(): void;
}

export interface ChangeSubscription {
  close(): void;
}

export interface ChangeFeed {
  /** Whether changes made by other processes are announced (false: the store is single-process). */
  readonly crossProcess: boolean;
  /** Announces a change; inside a transaction it is delivered when (and if) that commits. */
  publish(db: Executor, kind: ChangeKind, serverId: string): Promise<void>;
  /** Resolves once listening: every change committed after that is announced (or resync called). */
  subscribe(kind: ChangeKind, handlers: ChangeHandlers): Promise<ChangeSubscription>;
  close(): Promise<void>;
}

/** SQLite: the store belongs to one process, which tells its own parts directly. */
export const singleProcessFeed: ChangeFeed = {
  crossProcess: false,
  publish: async () => undefined,
  subscribe: async () => ({ close: () => undefined }),
  close: async () => undefined,
};

export interface ListenerOptions {
  /** First reconnect delay; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A query on the listening connection this often, so a silently dead connection is noticed. */
  heartbeatMs?: number;
}

/** PostgreSQL LISTEN/NOTIFY. The listening connection is opened on the first subscribe. */
export class PostgresChangeFeed implements ChangeFeed {
  readonly crossProcess = true;
  private readonly subscribers = new Map<ChangeKind, Set<ChangeHandlers>>();
  private client: pg.Client | undefined;
  /** Kinds the current connection LISTENs to. */
  private listening = new Set<ChangeKind>();
  private connecting: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private closed = false;
  /**
   * Marks this process's own notices (payload `<origin> <server id>`), which it does not deliver.
   * The store also sets it as `sluice.origin` on its pooled connections, for the notices its
   * triggers send.
   */
  readonly origin = randomUUID();

  constructor(
    private readonly url: string,
    private readonly options: ListenerOptions = {},
  ) {
    this.backoffMs = options.initialBackoffMs ?? 100;
  }

  async publish(db: Executor, kind: ChangeKind, serverId: string): Promise<void> {
    await sql`select pg_notify(${CHANNELS[kind]}, ${`${this.origin} ${serverId}`})`.execute(db);
  }

  async subscribe(kind: ChangeKind, handlers: ChangeHandlers): Promise<ChangeSubscription> {
    const set = this.subscribers.get(kind) ?? new Set();
    set.add(handlers);
    this.subscribers.set(kind, set);
    // While a reconnect is pending the kind is listened to (and resync called) when it succeeds.
    if (this.client === undefined && this.retryTimer === undefined) await this.connect(false);
    const client = this.client;
    if (client !== undefined && !this.listening.has(kind)) {
      this.listening.add(kind);
      await client.query(`LISTEN ${CHANNELS[kind]}`);
    }
    return { close: () => set.delete(handlers) };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Opens the connection and LISTENs to every subscribed kind; a reconnect then resyncs all. */
  private connect(isReconnect: boolean): Promise<void> {
    if (this.client !== undefined) return Promise.resolve();
    this.connecting ??= this.open(isReconnect).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(isReconnect: boolean): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'sluice-change-feed', keepAlive: true, connectionTimeoutMillis: 5000 });
    client.on('notification', (message) => this.deliver(message.channel, message.payload));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    const kinds = [...this.subscribers.keys()];
    try {
      await client.connect();
      for (const kind of kinds) await client.query(`LISTEN ${CHANNELS[kind]}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      if (!isReconnect) throw error;
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.listening = new Set(kinds);
    this.backoffMs = this.options.initialBackoffMs ?? 100;
    this.startHeartbeat(client);
    if (isReconnect) for (const set of this.subscribers.values()) for (const handlers of set) handlers.resync();
  }

  private deliver(channel: string, payload: string | undefined): void {
    const kind = (Object.keys(CHANNELS) as ChangeKind[]).find((k) => CHANNELS[k] === channel);
    const space = payload?.indexOf(' ') ?? -1;
    if (kind === undefined || payload === undefined || space === -1) return;
    if (payload.slice(0, space) === this.origin) return;
    const serverId = payload.slice(space + 1);
    for (const handlers of this.subscribers.get(kind) ?? []) handlers.change(serverId);
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    clearInterval(this.heartbeat);
    void client.end().catch(() => undefined);
    if (!this.closed) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.options.maxBackoffMs ?? 5000, this.backoffMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect(true);
    }, delay);
    this.retryTimer.unref();
  }

  private startHeartbeat(client: pg.Client): void {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      client.query('select 1').catch(() => this.lost(client));
    }, this.options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }
}
