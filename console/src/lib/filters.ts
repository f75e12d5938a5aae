import type { ClientRow } from './clients-state.ts';

export type StatusFilter = 'all' | 'connected' | 'disconnected';
export type SortDirection = 'ASC' | 'DESC';

export interface ClientQuery {
  status: StatusFilter;
  /** Matches user ID, common name, client IP or remote IP (substring, case-insensitive). */
  search: string;
  sort: SortDirection;
}

export const defaultClientQuery: ClientQuery = { status: 'all', search: '', sort: 'DESC' };

export function matchesClient(c: ClientRow, q: Pick<ClientQuery, 'status' | 'search'>): boolean {
  if (q.status !== 'all' && c.status !== q.status) return false;
  const needle = q.search.trim().toLowerCase();
  if (!needle) return true;
  const hay = [c.username, c.common_name, c.client_ip?.address, c.remote_ip?.address, c.remote_ip ? `${c.remote_ip.address}:${c.remote_port}` : undefined, c.id];
  return hay.some((h) => h !== undefined && h.toLowerCase().includes(needle));
}

/** Filter, then sort by session start (ties by id so the order is stable). */
export function queryClients(clients: ClientRow[], q: ClientQuery): ClientRow[] {
  const dir = q.sort === 'ASC' ? 1 : -1;
  return clients
    .filter((c) => matchesClient(c, q))
    .sort((a, b) => {
      const d = Date.parse(a.created_at) - Date.parse(b.created_at);
      if (d !== 0 && Number.isFinite(d)) return d * dir;
      return a.id < b.id ? -dir : a.id > b.id ? dir : 0;
    });
}

export interface PageSlice<T> {
  items: T[];
  page: number;
  total: number;
}

/** One page (1-based); a page past the end snaps to the last page. */
export function paginate<T>(items: T[], page: number, pageSize: number): PageSlice<T> {
  const size = Math.max(1, pageSize);
  const last = Math.max(1, Math.ceil(items.length / size));
  const p = Math.min(Math.max(1, page), last);
  return { items: items.slice((p - 1) * size, p * size), page: p, total: items.length };
}
