import type { ClientEvent, VpnServerClient } from '../../../src/client/types.ts';
import { clientStatusTag } from './status.ts';

/** What the console knows about one client beyond the API record. */
export type Pending = 'disconnect' | 'delete';

export interface ClientRow extends VpnServerClient {
  /** A disconnect/delete this console (or anyone, per the event stream) asked for and the gateway has not yet confirmed. */
  pending?: Pending;
}

export interface ClientsState {
  byId: Record<string, ClientRow>;
  /** The highest event sequence applied. */
  lastSeq: number;
  loaded: boolean;
}

export type ClientsAction =
  | { type: 'snapshot'; clients: VpnServerClient[] }
  | { type: 'event'; event: ClientEvent }
  | { type: 'requested'; ids: string[]; pending: Pending }
  | { type: 'request_failed'; ids: string[] };

export const initialClients: ClientsState = { byId: {}, lastSeq: 0, loaded: false };

const isConnected = (c: VpnServerClient): boolean => c.status === 'connected';

/** A record the API says has a pending disconnect shows as such even if someone else asked. */
function withPending(client: VpnServerClient, previous: ClientRow | undefined): ClientRow {
  const row: ClientRow = { ...client };
  if (!isConnected(client)) return row;
  if (previous?.pending) row.pending = previous.pending;
  else if (client.disconnect_requested_at) row.pending = 'disconnect';
  return row;
}

function without(byId: Record<string, ClientRow>, ids: Iterable<string>): Record<string, ClientRow> {
  const next = { ...byId };
  for (const id of ids) delete next[id];
  return next;
}

/**
 * Applies list snapshots, live events and this console's own requests. Events are idempotent
 * (each carries the current record), so a replay after a reconnect converges to the same state.
 */
export function clientsReducer(state: ClientsState, action: ClientsAction): ClientsState {
  switch (action.type) {
    case 'snapshot': {
      const byId: Record<string, ClientRow> = {};
      for (const c of action.clients) byId[c.id] = withPending(c, state.byId[c.id]);
      return { ...state, byId, loaded: true };
    }
    case 'event': {
      const e = action.event;
      const lastSeq = Math.max(state.lastSeq, Number.isFinite(e.seq) ? e.seq : 0);
      const previous = state.byId[e.client_id];
      switch (e.type) {
        case 'deleted':
        case 'delete_requested':
          return { ...state, lastSeq, byId: without(state.byId, [e.client_id]) };
        case 'disconnect_requested': {
          const base = e.client ?? previous;
          if (!base) return { ...state, lastSeq };
          const row: ClientRow = { ...base };
          if (isConnected(base)) row.pending = 'disconnect';
          return { ...state, lastSeq, byId: { ...state.byId, [e.client_id]: row } };
        }
        case 'disconnected': {
          const base = e.client ?? previous;
          if (!base) return { ...state, lastSeq };
          const row: ClientRow = { ...base, status: e.client?.status ?? 'disconnected' };
          if (!row.disconnected_at) row.disconnected_at = typeof e.at === 'string' ? e.at : new Date(e.at).toISOString();
          delete row.pending;
          delete row.disconnect_requested_at;
          return { ...state, lastSeq, byId: { ...state.byId, [e.client_id]: row } };
        }
        default: {
          // `connected` and any type added later: take the current record when the event has one.
          if (!e.client) return { ...state, lastSeq };
          return { ...state, lastSeq, byId: { ...state.byId, [e.client_id]: withPending(e.client, previous) } };
        }
      }
    }
    case 'requested': {
      if (action.pending === 'delete') return { ...state, byId: without(state.byId, action.ids) };
      const byId = { ...state.byId };
      for (const id of action.ids) {
        const c = byId[id];
        if (c && isConnected(c)) byId[id] = { ...c, pending: 'disconnect' };
      }
      return { ...state, byId };
    }
    case 'request_failed': {
      const byId = { ...state.byId };
      for (const id of action.ids) {
        const c = byId[id];
        if (c?.pending && !c.disconnect_requested_at) {
          const rest = { ...c };
          delete rest.pending;
          byId[id] = rest;
        }
      }
      return { ...state, byId };
    }
    default:
      return state;
  }
}

export const clientList = (state: ClientsState): ClientRow[] => Object.values(state.byId);

export function connectedCount(state: ClientsState): number {
  return clientList(state).filter(isConnected).length;
}

/** The label the Status column shows. */
export const statusLabel = (c: ClientRow): string => clientStatusTag(c.status, c.pending === 'disconnect').label;

/** How a confirmation names a client: who, from where, and its id. */
export function clientLabel(c: VpnServerClient): string {
  const who = c.username ?? c.common_name;
  const ip = c.client_ip?.address;
  if (who && ip) return `${who} (${ip}, id ${c.id})`;
  if (who || ip) return `${who ?? ip} (id ${c.id})`;
  return c.id;
}
