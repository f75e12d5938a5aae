import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type LogEvent, type Migration, type Transaction } from 'kysely';
import pg from 'pg';
import { PostgresChangeFeed, singleProcessFeed, type ChangeFeed } from './change-feed.ts';
import { capabilities, type DialectCapabilities } from './dialect.ts';
import { PostgresSingleton, localSingleton, type SingletonLock, type SingletonName } from './singletons.ts';
import { migrations } from './migrations/index.ts';
import { withStatementCache } from './sqlite-statements.ts';
import { SqliteCheckpointer } from './sqlite-checkpointer.ts';
import { rowObject } from './row-objects.ts';
import type { Database, Db } from './schema.ts';

export type { Db, Executor } from './schema.ts';

export interface Store {
  db: Db;
  caps: DialectCapabilities;
  /** Announces changes to the other processes sharing this store (replicas). */
  changes: ChangeFeed;
  /** Starts taking part in the election of a job that must run on one process at a time. */
  singleton(name: SingletonName): SingletonLock;
  /** Human-readable location, with any password removed, for logs. */
  location: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

// PostgreSQL returns int8 as strings to protect precision; our int8 columns are epoch
// milliseconds and byte counters, well inside Number.MAX_SAFE_INTEGER.
pg.types.setTypeParser(20, (value: string) => Number(value));

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** Hears the kind (select, insert, update, delete, other), duration in ms and text of every query. */
export type QueryObserver = (kind: string, ms: number, text: string) => void;

const QUERY_KINDS: Record<string, string> = { SelectQueryNode: 'select', InsertQueryNode: 'insert', UpdateQueryNode: 'update', DeleteQueryNode: 'delete' };
const queryLog = (observe: QueryObserver | undefined) => observe && ((event: LogEvent) => observe(QUERY_KINDS[event.query.query.kind] ?? 'other', event.queryDurationMillis, event.query.sql));

export async function openStore(url: string, options: { poolSize?: number; observe?: QueryObserver } = {}): Promise<Store> {
  const log = queryLog(options.observe);
  const store = isPostgresUrl(url) ? openPostgres(url, options.poolSize ?? 10, log) : openSqlite(url, log);
  await migrate(store);
  return store;
}

function openSqlite(path: string, log?: (event: LogEvent) => void): Store {
  const file = path.replace(/^sqlite:(\/\/)?/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const native = new SqliteDatabase(file);
  // Sealed keys and hashed secrets live here: readable by the owner only (SQLite gives its WAL
  // and shared-memory files the database file's mode).
  if (file !== ':memory:') chmodSync(file, 0o600);
  native.pragma('journal_mode = WAL');
  native.pragma('synchronous = NORMAL');
  native.pragma('foreign_keys = ON');
  native.pragma('busy_timeout = 5000');
  const checkpointer = file === ':memory:' ? undefined : new SqliteCheckpointer(native, file);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(native) }), ...(log && { log }) });
  return {
    db,
    caps: capabilities.sqlite,
    changes: singleProcessFeed,
    singleton: localSingleton,
    location: file,
    ping: async () => {
      native.prepare('select 1').get();
    },
    close: async () => {
      await checkpointer?.close();
      await db.destroy();
    },
  };
}

function openPostgres(url: string, poolSize: number, log?: (event: LogEvent) => void): Store {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5000 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  pool.on('connect', preparedStatements);
  const changes = new PostgresChangeFeed(url);
  // Notices sent by the store's triggers carry this process's origin, so it skips its own. A new
  // connection runs this before anything else it is given.
  pool.on('connect', (client) => {
    client.query(`select set_config('sluice.origin', $1, false)`, [changes.origin]).catch(() => undefined);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(log && { log }) });
  return {
    db,
    caps: capabilities.postgres,
    changes,
    singleton: (name) => new PostgresSingleton(url, name),
    location: redactUrl(url),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      await changes.close();
      await db.destroy();
    },
  };
}

/** Named statements kept per connection; beyond this, queries are sent unnamed (parsed each time). */
const PREPARED_PER_CONNECTION = 300;

/**
 * A batch's rows travel as one JSON parameter (session-batch.ts); such statements run once per
 * batch, and prepared they ran ten times slower (measured: 436 vs 4 629 sessions/s), so they stay
 * unnamed.
 */
const isSmall = (value: unknown): boolean => typeof value !== 'string' || value.length <= 256;

/**
 * Kysely sends every query unnamed, so PostgreSQL parses and plans it each time. Here each
 * parameterised query text gets a name derived from the text, and pg prepares it once per
 * connection and then only binds and executes it. Queries without parameters (DDL, `begin`,
 * `commit`) stay unnamed, as do texts too long to be hot paths and batch statements (above).
 */
function preparedStatements(client: pg.PoolClient): void {
  const original = client.query as unknown as (...args: unknown[]) => unknown;
  const named = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = named.get(text);
    if (name === undefined && named.size < PREPARED_PER_CONNECTION) {
      name = `s${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      named.set(text, name);
    }
    return name;
  };
  const query = (...args: unknown[]): unknown => {
    const [config, values] = args;
    if (args.length === 2 && typeof config === 'string' && Array.isArray(values) && values.length > 0 && config.length <= 4000 && values.every(isSmall)) {
      const name = nameOf(config);
      if (name !== undefined) return rowsAsObjects(original.call(client, { name, text: config, values, rowMode: 'array' }) as Promise<pg.QueryResult<unknown[]>>);
    }
    return original.apply(client, args);
  };
  Object.defineProperty(client, 'query', { value: query, configurable: true, writable: true });
}

/**
 * The rows of a named statement come from pg as arrays and are made objects here. pg's own
 * objects are built by one function for every statement of the process, so with many statements
 * it ran megamorphic: on the client list it cost three times what it did in a process with one
 * query, and its garbage five times (measured: 840–930 → 560–620 µs of CPU per list request).
 */
async function rowsAsObjects(pending: Promise<pg.QueryResult<unknown[]>>): Promise<pg.QueryResult<Record<string, unknown>>> {
  const result = await pending;
  const names = result.fields.map((field) => field.name);
  const rows = result.rows.map((values) => rowObject(names, values));
  return Object.assign(result, { rows }) as unknown as pg.QueryResult<Record<string, unknown>>;
}

/** Migrations this code knows that the database has not run (empty when current). */
export async function pendingMigrations(store: Store): Promise<string[]> {
  const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(store.db);
  const done = new Set(applied.rows.map((r) => r.name));
  return migrations.map(([name]) => name).filter((name) => !done.has(name));
}

async function migrate(store: Store): Promise<void> {
  const provider = {
    getMigrations: async (): Promise<Record<string, Migration>> =>
      Object.fromEntries(
        migrations.map(([name, module]) => [name, { up: (db: Kysely<unknown>) => module.up(db, store.caps) }]),
      ),
  };
  const migrator = new Migrator({ db: store.db, provider });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/** The single owner of begin/commit/rollback. */
export function inTransaction<T>(db: Db, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(work);
}
