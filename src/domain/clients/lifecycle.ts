import { inTransaction, type Executor } from '../../store/database.ts';
import {
  clientsWithIntent,
  connectedClients,
  deleteClientRow,
  deleteExpiredBatch,
  findClient,
  saveClient,
  type ClientFilter,
} from '../../store/clients.ts';
import { appendClientEvents, deleteClientEventsBefore, type NewClientEvent } from '../../store/client-events.ts';
import { insertClientEvents, setClientIntents } from '../../store/session-batch.ts';
import { applySessionFacts } from './ingest.ts';
import { notFound } from '../../errors/catalogue.ts';
import type { Actor, DomainContext } from '../context.ts';
import type { ClientEventType, EndedSession, EstablishedSession, IntentOrigin, VpnClient } from './model.ts';

const event = (client: VpnClient, type: ClientEventType, at: number, actor: Actor, data: Record<string, unknown> = {}): NewClientEvent => ({
  vpnServerId: client.vpnServerId,
  clientId: client.id,
  type,
  at,
  actor,
  data,
});

/** Client event data that links an operator's request to its audit event. */
const linkOf = (origin: IntentOrigin): Record<string, unknown> => ({
  ...(origin.auditEventId !== undefined && { audit_event_id: origin.auditEventId }),
  ...(origin.cause === 'revoke' && { cause: 'revoke' }),
});

/** A client that asked-to-be-deleted is gone for every reader, even while its session winds down. */
const isVisible = (client: VpnClient): boolean => client.intent !== 'delete';

async function requireVisibleClient(db: Executor, serverId: string, clientId: string): Promise<VpnClient> {
  const client = await findClient(db, serverId, clientId);
  if (!client || !isVisible(client)) throw notFound('VPN server client', clientId);
  return client;
}

export async function getClient(ctx: DomainContext, serverId: string, clientId: string): Promise<VpnClient> {
  return requireVisibleClient(ctx.store.db, serverId, clientId);
}

/** OpenVPN reported ESTABLISHED. Idempotent per session key, so a replayed fact changes nothing. */
export async function recordEstablished(ctx: DomainContext, serverId: string, session: EstablishedSession): Promise<VpnClient> {
  const [client] = await applySessionFacts(ctx, serverId, [{ kind: 'established', session }]);
  ctx.bus.notify(serverId);
  if (!client) throw new Error(`session ${session.sessionKey} has no record after ESTABLISHED`);
  return client;
}

/**
 * OpenVPN reported the session over. The record turns `disconnected` and is due for deletion
 * `client_auto_delete_timeout` later — or goes at once if a delete was requested. Gateways' facts
 * go through group commit (ingest.ts); these single-fact forms apply the same rules.
 */
export async function recordEnded(ctx: DomainContext, serverId: string, session: EndedSession): Promise<VpnClient | undefined> {
  const [result] = await applySessionFacts(ctx, serverId, [{ kind: 'ended', session }]);
  ctx.bus.notify(serverId);
  return result;
}

export type IntentOutcome = 'accepted' | 'already_disconnected';

export interface BulkResult {
  client: VpnClient;
  outcome: IntentOutcome;
}

/** Records the wish to disconnect before answering, so it survives a restart of either side. */
export async function requestDisconnect(ctx: DomainContext, serverId: string, clientId: string, actor: Actor, origin: IntentOrigin = {}): Promise<IntentOutcome> {
  const [result] = await disconnectClients(ctx, serverId, async (trx) => [await requireVisibleClient(trx, serverId, clientId)], actor, origin);
  if (!result) throw new Error(`client ${clientId} has no disconnect result`);
  return result.outcome;
}

/**
 * Tells the replica that runs the gateway, whichever replica took the request: the notice leaves
 * with the intent's commit (the gateway's own replica also hears it through GatewayPort at once).
 */
function announceIntent(ctx: DomainContext, trx: Executor, serverId: string): Promise<void> {
  return ctx.store.changes.publish(trx, 'intents', serverId);
}

type DisconnectMark = Pick<VpnClient, 'intentAt' | 'intentBy' | 'intentCause'>;

/** What a disconnect request does to one record, decided before anything is written. */
function disconnectOf(client: VpnClient, mark: DisconnectMark): BulkResult & { changed: boolean } {
  if (client.status === 'disconnected') return { outcome: 'already_disconnected', client, changed: false };
  if (client.intent === 'disconnect') return { outcome: 'accepted', client, changed: false };
  return { outcome: 'accepted', client: { ...client, intent: 'disconnect', ...mark }, changed: true };
}

/**
 * Writes the disconnect intent of every record `select` finds in one transaction, with one
 * statement per table however many there are, then hands the committed intents to the gateway
 * in one notice. One result per record, in `select`'s order.
 */
async function disconnectClients(ctx: DomainContext, serverId: string, select: (trx: Executor) => Promise<VpnClient[]>, actor: Actor, origin: IntentOrigin): Promise<BulkResult[]> {
  const now = ctx.clock.now();
  const mark = { intentAt: now, intentBy: actor, intentCause: origin.cause ?? 'operator' } satisfies DisconnectMark;
  const link = linkOf(origin);
  const dialect = ctx.store.caps.name;
  const results = await inTransaction(ctx.store.db, async (trx) => {
    const planned = (await select(trx)).map((client) => disconnectOf(client, mark));
    const changed = planned.filter((p) => p.changed).map((p) => p.client);
    await setClientIntents(trx, dialect, changed.map((c) => c.id), { intent: 'disconnect', intent_at: now, intent_by: actor, intent_cause: mark.intentCause });
    await insertClientEvents(trx, dialect, changed.map((c) => event(c, 'disconnect_requested', now, actor, link)));
    if (planned.some((p) => p.outcome === 'accepted')) await announceIntent(ctx, trx, serverId);
    return planned.map(({ outcome, client }) => ({ outcome, client }));
  });
  const accepted = results.filter((r) => r.outcome === 'accepted').map((r) => r.client);
  if (accepted.length > 0) {
    ctx.gateway.clientIntents(serverId, accepted);
    ctx.bus.notify(serverId);
  }
  return results;
}

/** Delete: the record disappears for readers at once; a live session is ended by the gateway. */
export async function requestDelete(ctx: DomainContext, serverId: string, clientId: string, actor: Actor, origin: IntentOrigin = {}): Promise<void> {
  const now = ctx.clock.now();
  const link = linkOf(origin);
  const live = await inTransaction(ctx.store.db, async (trx): Promise<VpnClient | undefined> => {
    const client = await requireVisibleClient(trx, serverId, clientId);
    if (client.status === 'disconnected') {
      await deleteClientRow(trx, client.id);
      await appendClientEvents(trx, [event(client, 'deleted', now, actor, link)]);
      return undefined;
    }
    const marked: VpnClient = { ...client, intent: 'delete', intentAt: now, intentBy: actor };
    await saveClient(trx, marked);
    await appendClientEvents(trx, [event(client, 'delete_requested', now, actor, link), event(client, 'deleted', now, actor, link)]);
    await announceIntent(ctx, trx, serverId);
    return marked;
  });
  if (live) ctx.gateway.clientIntents(serverId, [live]);
  ctx.bus.notify(serverId);
}

/** Disconnects every connected session matching a username and/or common name, one result each. */
export async function disconnectMatching(ctx: DomainContext, serverId: string, filter: ClientFilter, actor: Actor, origin: IntentOrigin = {}): Promise<BulkResult[]> {
  return disconnectClients(ctx, serverId, async (trx) => (await connectedClients(trx, serverId, filter)).filter(isVisible), actor, origin);
}

/** Connected sessions with an intent not yet carried out: what an (re)attached agent must do. */
export function pendingIntents(ctx: DomainContext, serverId: string): Promise<VpnClient[]> {
  return clientsWithIntent(ctx.store.db, serverId);
}

/** Deletes every record past its retention, in batches; returns how many went. */
export async function sweepExpiredClients(ctx: DomainContext, batch = 1000): Promise<number> {
  const now = ctx.clock.now();
  let total = 0;
  for (;;) {
    const removed = await inTransaction(ctx.store.db, async (trx) => {
      const gone = await deleteExpiredBatch(trx, now, batch);
      await appendClientEvents(
        trx,
        gone.map((c) => ({ vpnServerId: c.vpnServerId, clientId: c.id, type: 'deleted' as const, at: now, actor: 'retention', data: {} })),
      );
      return gone;
    });
    total += removed.length;
    for (const serverId of new Set(removed.map((c) => c.vpnServerId))) ctx.bus.notify(serverId);
    if (removed.length < batch) return total;
  }
}

/** The audit trail outlives auto-deletion, but not forever. */
export async function sweepOldEvents(ctx: DomainContext, keepMs: number): Promise<number> {
  return deleteClientEventsBefore(ctx.store.db, ctx.clock.now() - keepMs);
}
