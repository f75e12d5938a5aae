import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase, SqliteStatement } from 'kysely';
import { rowObject } from './row-objects.ts';

/** Statements kept compiled, by text; a full cache starts over (texts with `in (…)` lists vary). */
const STATEMENT_CACHE_SIZE = 500;

/** Statements that may change a table's columns, and with them what a cached `select *` returns. */
const SCHEMA_CHANGE = /^\s*(?:create|alter|drop)\b/i;

/**
 * Rows of a reading statement as objects, built here from better-sqlite3's arrays: the driver
 * builds each object property by property through V8's API, which costs about as much as the
 * query itself on a page of 51 rows of 19 columns (measured: 230 µs per page as objects, 140 µs
 * as arrays turned into objects in JavaScript). Column names are read once, when the text is
 * compiled; a duplicate name keeps the last column's value, as the driver's own objects do.
 */
function rowsAsObjects(statement: SqliteDatabase.Statement): SqliteStatement {
  const raw = statement.raw(true);
  const names = raw.columns().map((column) => column.name);
  const toObject = (values: unknown[]): Record<string, unknown> => rowObject(names, values);
  return {
    reader: true,
    all: (parameters) => (raw.all(parameters) as unknown[][]).map(toObject),
    run: (parameters) => raw.run(parameters),
    *iterate(parameters) {
      for (const values of raw.iterate(parameters) as IterableIterator<unknown[]>) yield toObject(values);
    },
  };
}

/** A statement as Kysely's driver calls it; parameters bound from the array as Kysely passes it. */
function passThrough(statement: SqliteDatabase.Statement): SqliteStatement {
  return {
    reader: statement.reader,
    all: (parameters) => statement.all(parameters),
    run: (parameters) => statement.run(parameters),
    iterate: (parameters) => statement.iterate(parameters),
  };
}

/**
 * Kysely prepares every query anew; SQLite compiles each text once here and reuses it. Safe
 * because Kysely runs one query at a time on the connection (its mutex), and SQLite recompiles a
 * statement by itself when the schema changed. The column names cached with a reading statement
 * would not follow such a change, so a schema-changing statement empties the cache (migrations
 * run them, before any request) and is never kept itself.
 */
export function withStatementCache(native: SqliteDatabase.Database): KyselySqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    prepare(source) {
      let statement = cache.get(source);
      if (statement) return statement;
      if (SCHEMA_CHANGE.test(source)) {
        cache.clear();
        return passThrough(native.prepare(source));
      }
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
      const compiled = native.prepare(source);
      statement = compiled.reader ? rowsAsObjects(compiled) : passThrough(compiled);
      cache.set(source, statement);
      return statement;
    },
    close() {
      cache.clear();
      native.close();
    },
  };
}
