import { countConnected, findClient, listClients, type ClientFilter } from '../../store/clients.ts';
import { clientEventsSince, latestClientEventSeq, type StoredClientEvent } from '../../store/client-events.ts';
import type { Page, SortSpec } from '../../store/pagination.ts';
import type { DomainContext } from '../context.ts';
import { getVpnServer } from '../vpn-servers/service.ts';
import type { ClientCounts } from './counts.ts';
import type { VpnClient } from './model.ts';

// What the API reads about clients, so handlers go through the domain rather than the store.

/**
 * One page of a server's visible clients; `counts` caches `total_count` (see counts.ts). An
 * unknown server is `not_found`. A page with records proves the server exists (its records are
 * deleted with it, by foreign key), so only an empty page costs a second read — on PostgreSQL a
 * round trip fewer for almost every request.
 */
export async function listServerClients(ctx: DomainContext, counts: ClientCounts, serverId: string, filter: ClientFilter, sort: SortSpec<'created_at'>, limit: number, start: string | undefined): Promise<Page<VpnClient>> {
  const page = await listClients(ctx.store.db, serverId, filter, sort, limit, start, () => counts.count(serverId, filter));
  if (page.items.length === 0) await getVpnServer(ctx, serverId);
  return page;
}

/** A client record, or undefined when it is gone (an event stream skips those). */
export function findServerClient(ctx: DomainContext, serverId: string, clientId: string): Promise<VpnClient | undefined> {
  return findClient(ctx.store.db, serverId, clientId);
}

/** Connected sessions per server, for the servers' `connected_clients`. */
export function connectedCounts(ctx: DomainContext, serverIds: readonly string[]): Promise<Map<string, number>> {
  return countConnected(ctx.store.db, serverIds);
}

/** A server's client events after `afterSeq`, oldest first, at most `limit`. */
export function clientEventsAfter(ctx: DomainContext, serverId: string, afterSeq: number, limit: number): Promise<StoredClientEvent[]> {
  return clientEventsSince(ctx.store.db, serverId, afterSeq, limit);
}

/** The sequence number of a server's newest client event (0 when none): where a new stream starts. */
export function latestClientEvent(ctx: DomainContext, serverId: string): Promise<number> {
  return latestClientEventSeq(ctx.store.db, serverId);
}
