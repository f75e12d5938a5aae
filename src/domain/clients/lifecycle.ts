import { inTransaction, type Executor } from '../../store/database.ts';
import {
  clientsWithIntent,
  connectedClients,
  deleteClientRow,
  deleteExpiredBatch,
  findClient,
  fromRow,
  saveClient,
  type ClientFilter,
} from '../../store/clients.ts';
import { appendClientEvents, deleteClientEventsBefore, type NewClientEvent } from '../../store/client-events.ts';
import { clientsByIds, insertClientEvents, setClientIntents } from '../../store/session-batch.ts';
import { GroupCommit } from '../shared/group-commit.ts';
import { perObject } from '../shared/per-store.ts';
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

/** A disconnect request for one record, as the API takes them: alone, from one caller. */
interface DisconnectAsk {
  serverId: string;
  clientId: string;
  actor: Actor;
  origin: IntentOrigin;
}

/**
 * Concurrent single disconnects are written together: one transaction (and one commit) per batch
 * instead of one each, and every kill of the batch leaves as soon as it committed. A batch goes as
 * soon as the requests of one event-loop turn are in; the next gathers what arrives meanwhile.
 */
const SINGLE_DISCONNECTS = { maxBatch: 256, maxDelayMs: 0 };
const singleDisconnectsOf = perObject((ctx: DomainContext) => new GroupCommit<DisconnectAsk, BulkResult | undefined>((asks) => disconnectEach(ctx, asks), SINGLE_DISCONNECTS));

/**
 * Records the wish to disconnect before answering, so it survives a restart of either side: the
 * promise settles once this request's intent is committed (with others of its batch).
 */
export async function requestDisconnect(ctx: DomainContext, serverId: string, clientId: string, actor: Actor, origin: IntentOrigin = {}): Promise<IntentOutcome> {
  const result = await singleDisconnectsOf(ctx).submit({ serverId, clientId, actor, origin });
  if (!result) throw notFound('VPN server client', clientId);
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

/** One record to mark, with who asked for it and why. */
interface Marking {
  client: VpnClient;
  actor: Actor;
  origin: IntentOrigin;
}

/**
 * Writes the disconnect intents of `markings` inside `trx`: one update per asker (usually one) and
 * one insert of events however many records there are, and announces every server touched. A record
 * asked for twice is marked once; the later ask sees the earlier one's mark, as if it came after.
 * One result per marking, in order.
 */
async function writeDisconnects(ctx: DomainContext, trx: Executor, now: number, markings: readonly Marking[]): Promise<BulkResult[]> {
  const dialect = ctx.store.caps.name;
  const seen = new Map<string, VpnClient>();
  const planned = markings.map(({ client, actor, origin }) => {
    const cause = origin.cause ?? 'operator';
    const plan = disconnectOf(seen.get(client.id) ?? client, { intentAt: now, intentBy: actor, intentCause: cause });
    seen.set(client.id, plan.client);
    return { ...plan, actor, origin, cause };
  });
  const changed = planned.filter((p) => p.changed);
  for (const sameMark of groupBy(changed, (p) => JSON.stringify([p.actor, p.cause]))) {
    const { actor, cause } = sameMark[0] ?? {};
    if (actor === undefined || cause === undefined) continue;
    await setClientIntents(trx, dialect, sameMark.map((p) => p.client.id), { intent: 'disconnect', intent_at: now, intent_by: actor, intent_cause: cause });
  }
  await insertClientEvents(trx, dialect, changed.map((p) => event(p.client, 'disconnect_requested', now, p.actor, linkOf(p.origin))));
  for (const serverId of new Set(planned.filter((p) => p.outcome === 'accepted').map((p) => p.client.vpnServerId))) await announceIntent(ctx, trx, serverId);
  return planned.map(({ outcome, client }) => ({ outcome, client }));
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.values()];
}

/**
 * After the commit: each server's gateway hears its accepted intents in one notice, and kills at
 * once. A record asked for twice in a batch is named once (one `client-kill` per session).
 */
function handToGateways(ctx: DomainContext, results: readonly BulkResult[]): void {
  const accepted = new Map(results.filter((r) => r.outcome === 'accepted').map((r) => [r.client.id, r.client]));
  for (const clients of groupBy([...accepted.values()], (c) => c.vpnServerId)) {
    const serverId = clients[0]?.vpnServerId;
    if (serverId === undefined) continue;
    ctx.gateway.clientIntents(serverId, clients);
    ctx.bus.notify(serverId);
  }
}

/**
 * A batch of single disconnects: the records read in one statement, the intents written in one
 * transaction, the kills handed on after its commit. `undefined` for a request whose record is not
 * there (or not on its server, or being deleted): that caller hears not found.
 */
async function disconnectEach(ctx: DomainContext, asks: readonly DisconnectAsk[]): Promise<(BulkResult | undefined)[]> {
  const now = ctx.clock.now();
  const results = await inTransaction(ctx.store.db, async (trx) => {
    const rows = await clientsByIds(trx, ctx.store.caps.name, [...new Set(asks.map((a) => a.clientId))]);
    const byId = new Map(rows.map((row) => [row.id, fromRow(row)]));
    const found = asks.map((ask) => {
      const client = byId.get(ask.clientId);
      return client !== undefined && client.vpnServerId === ask.serverId && isVisible(client) ? { client, actor: ask.actor, origin: ask.origin } : undefined;
    });
    const written = await writeDisconnects(ctx, trx, now, found.filter((m) => m !== undefined));
    // One result per found request, in order: hand them back by position.
    let next = 0;
    return found.map((m) => (m === undefined ? undefined : written[next++]));
  });
  handToGateways(ctx, results.filter((r) => r !== undefined));
  return results;
}

/**
 * Writes the disconnect intent of every record `select` finds in one transaction, with one
 * statement per table however many there are, then hands the committed intents to the gateway
 * in one notice. One result per record, in `select`'s order.
 */
async function disconnectClients(ctx: DomainContext, select: (trx: Executor) => Promise<VpnClient[]>, actor: Actor, origin: IntentOrigin): Promise<BulkResult[]> {
  const now = ctx.clock.now();
  const results = await inTransaction(ctx.store.db, async (trx) => writeDisconnects(ctx, trx, now, (await select(trx)).map((client) => ({ client, actor, origin }))));
  handToGateways(ctx, results);
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
  return disconnectClients(ctx, async (trx) => (await connectedClients(trx, serverId, filter)).filter(isVisible), actor, origin);
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
