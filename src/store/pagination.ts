import { sql, type RawBuilder } from 'kysely';
import { paramError } from '../errors/catalogue.ts';

export type SortDirection = 'asc' | 'desc';
export interface SortSpec<C extends string> {
  column: C;
  direction: SortDirection;
}

/** A keyset cursor: the sort value and id of the last row of the previous page. */
export interface Cursor {
  value: string | number;
  id: string;
}

export const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify([cursor.value, cursor.id])).toString('base64url');

export function decodeCursor(token: string): Cursor {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2) {
      const [value, id] = decoded as unknown[];
      if ((typeof value === 'string' || typeof value === 'number') && typeof id === 'string') return { value, id };
    }
  } catch {
    // fall through to the typed error
  }
  throw paramError('invalid_start', 'start', 'start is not a page token issued by this service', token);
}

/** `(col, id) > (value, id)` in the sort direction, written out so both dialects plan it on the index. */
export function afterCursor(column: string, direction: SortDirection, cursor: Cursor): RawBuilder<boolean> {
  const op = sql.raw(direction === 'asc' ? '>' : '<');
  const col = sql.ref(column);
  return sql<boolean>`(${col} ${op} ${cursor.value} or (${col} = ${cursor.value} and ${sql.ref('id')} ${op} ${cursor.id}))`;
}

/** Parses the reference's `sort` values (`name`, `-created_at`) against an allow-list. */
export function parseSort<C extends string>(text: string | undefined, allowed: readonly C[], fallback: SortSpec<C>): SortSpec<C> {
  if (text === undefined || text === '') return fallback;
  const direction: SortDirection = text.startsWith('-') ? 'desc' : 'asc';
  const column = (direction === 'desc' ? text.slice(1) : text) as C;
  if (!allowed.includes(column)) {
    const options = allowed.flatMap((c) => [c, `-${c}`]).join(', ');
    throw paramError('invalid_sort', 'sort', `sort must be one of ${options}`, text);
  }
  return { column, direction };
}

export interface Page<T> {
  items: T[];
  totalCount: number;
  next: string | undefined;
}

/** Keyset paging over an already-loaded list (servers and routes are few; clients use SQL). */
export function pageInMemory<T extends { id: string }>(
  items: readonly T[],
  sort: SortSpec<string>,
  valueOf: (item: T) => string | number,
  limit: number,
  start: string | undefined,
): Page<T> {
  const sign = sort.direction === 'asc' ? 1 : -1;
  const compare = (a: string | number, aId: string, b: string | number, bId: string): number =>
    sign * (a < b ? -1 : a > b ? 1 : aId < bId ? -1 : aId > bId ? 1 : 0);
  const sorted = [...items].sort((a, b) => compare(valueOf(a), a.id, valueOf(b), b.id));
  const cursor = start === undefined ? undefined : decodeCursor(start);
  const rest = cursor ? sorted.filter((item) => compare(valueOf(item), item.id, cursor.value, cursor.id) > 0) : sorted;
  const pageItems = rest.slice(0, limit);
  const last = pageItems.at(-1);
  return {
    items: pageItems,
    totalCount: sorted.length,
    next: rest.length > limit && last ? encodeCursor({ value: valueOf(last), id: last.id }) : undefined,
  };
}
