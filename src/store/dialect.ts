/**
 * The only place that knows which database is underneath. Everything dialect-specific is a
 * capability here, so migrations and queries never branch on "is this PostgreSQL?" themselves.
 */
export type DialectName = 'sqlite' | 'postgres';

export interface DialectCapabilities {
  name: DialectName;
  /** Column type for a 64-bit integer that must round-trip as a JS number. */
  bigint: 'integer' | 'bigint';
  /** Column type of an auto-incrementing primary key. */
  serial: 'integer' | 'bigserial';
  /** Whether an INTEGER PRIMARY KEY needs an explicit AUTOINCREMENT to never reuse ids. */
  autoIncrementKeyword: boolean;
  /**
   * Whether writers commit concurrently (PostgreSQL), so an auto-increment key is handed out in
   * one order and becomes visible in another; SQLite has one writer at a time.
   */
  concurrentWriters: boolean;
}

export const capabilities: Record<DialectName, DialectCapabilities> = {
  sqlite: { name: 'sqlite', bigint: 'integer', serial: 'integer', autoIncrementKeyword: true, concurrentWriters: false },
  postgres: { name: 'postgres', bigint: 'bigint', serial: 'bigserial', autoIncrementKeyword: false, concurrentWriters: true },
};
