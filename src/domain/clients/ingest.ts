import { inTransaction } from '../../store/database.ts';
import { fromRow, toRow } from '../../store/clients.ts';
import { findServer } from '../../store/vpn-servers.ts';
import { clientsOfSessions, deleteClientRows, endClientRows, insertClientEvents, insertClientRows, type EndedRow } from '../../store/session-batch.ts';
import type { NewClientEvent } from '../../store/client-events.ts';
import { SluiceError } from '../../errors/catalogue.ts';
import { newId } from '../shared/ids.ts';
import { serialOrNull } from '../certificates/certificate.ts';
import type { DomainContext } from '../context.ts';
import { DEFAULT_CLIENT_RETENTION_SECONDS } from '../vpn-servers/model.ts';
import type { EndedSession, EstablishedSession, VpnClient } from './model.ts';

/** What a gateway reports about one session, in the order it happened. */
export type SessionFact = { kind: 'established'; session: EstablishedSession } | { kind: 'ended'; session: EndedSession };

/** Per fact: the record after it (undefined: an end of a session the store never saw). */
export type FactResult = VpnClient | undefined;

interface Tracked {
  client: VpnClient;
  /** Already in the store when the batch began (otherwise inserted by it). */
  stored: boolean;
  ended: boolean;
  deleted: boolean;
}

/**
 * Applies the facts of one server in one transaction, in order: ESTABLISHED creates the record
 * (idempotent per session key, so a replayed fact changes nothing), the end turns it
 * `disconnected` — due for deletion `client_auto_delete_timeout` later, or gone at once if a
 * delete was requested or the timeout is 0. The rules run over the records in memory and the
 * batch writes its net effect: one insert, one update, one delete and one event append, whatever
 * its size. Nothing is visible to anyone before the commit.
 */
export async function applySessionFacts(ctx: DomainContext, serverId: string, facts: readonly SessionFact[]): Promise<FactResult[]> {
  const dialect = ctx.store.caps.name;
  return inTransaction(ctx.store.db, async (trx) => {
    const keys = [...new Set(facts.map((f) => f.session.sessionKey))];
    const records = new Map<string, Tracked>();
    for (const row of await clientsOfSessions(trx, dialect, serverId, keys)) {
      records.set(row.session_key, { client: fromRow(row), stored: true, ended: false, deleted: false });
    }
    let timeout: number | undefined;
    const autoDeleteSeconds = async (): Promise<number> =>
      (timeout ??= (await findServer(trx, serverId))?.clientAutoDeleteTimeoutSeconds ?? DEFAULT_CLIENT_RETENTION_SECONDS);
    const events: NewClientEvent[] = [];
    const results: FactResult[] = [];
    for (const fact of facts) {
      if (fact.kind === 'established') {
        const session = fact.session;
        const known = records.get(session.sessionKey);
        if (known) {
          results.push(known.client);
          continue;
        }
        const client: VpnClient = {
          id: newId(),
          vpnServerId: serverId,
          sessionKey: session.sessionKey,
          clientIp: session.clientIp,
          remoteIp: session.remoteIp,
          remotePort: session.remotePort,
          commonName: session.commonName,
          username: session.username,
          status: 'connected',
          createdAt: session.startedAt,
          disconnectedAt: null,
          deleteAfter: null,
          bytesSent: 0,
          bytesReceived: 0,
          intent: null,
          intentAt: null,
          intentBy: null,
          certSerial: serialOrNull(session.certSerial),
          intentCause: null,
        };
        records.set(session.sessionKey, { client, stored: false, ended: false, deleted: false });
        events.push({ vpnServerId: serverId, clientId: client.id, type: 'connected', at: session.startedAt, actor: null, data: {} });
        results.push(client);
        continue;
      }
      const session = fact.session;
      const record = records.get(session.sessionKey);
      if (!record || record.deleted || record.client.status === 'disconnected') {
        results.push(record && !record.deleted ? record.client : undefined);
        continue;
      }
      const seconds = await autoDeleteSeconds();
      const before = record.client;
      const ended: VpnClient = {
        ...before,
        status: 'disconnected',
        disconnectedAt: session.endedAt,
        deleteAfter: session.endedAt + seconds * 1000,
        bytesSent: session.bytesSent,
        bytesReceived: session.bytesReceived,
        intent: before.intent === 'delete' ? 'delete' : null,
      };
      const data = { bytes_sent: session.bytesSent, bytes_received: session.bytesReceived };
      events.push({ vpnServerId: serverId, clientId: ended.id, type: 'disconnected', at: session.endedAt, actor: null, data });
      record.client = ended;
      record.ended = true;
      if (before.intent === 'delete' || seconds === 0) {
        record.deleted = true;
        // A requested delete was already announced when it was asked for; only retention 0 is new.
        if (before.intent !== 'delete') events.push({ vpnServerId: serverId, clientId: ended.id, type: 'deleted', at: session.endedAt, actor: 'retention', data: {} });
      }
      results.push(ended);
    }

    const inserts: ReturnType<typeof toRow>[] = [];
    const ends: EndedRow[] = [];
    const deletes: string[] = [];
    for (const record of records.values()) {
      if (!record.stored) {
        if (!record.deleted) inserts.push(toRow(record.client));
      } else if (record.deleted) deletes.push(record.client.id);
      else if (record.ended) {
        const c = record.client;
        ends.push({ id: c.id, status: c.status, disconnected_at: c.disconnectedAt, delete_after: c.deleteAfter, bytes_sent: c.bytesSent, bytes_received: c.bytesReceived, intent: c.intent });
      }
    }
    await insertClientRows(trx, dialect, inserts);
    await endClientRows(trx, dialect, ends);
    await deleteClientRows(trx, dialect, deletes);
    await insertClientEvents(trx, dialect, events);
    return results;
  });
}

export interface IngestOptions {
  /** A batch is written once it holds this many facts… */
  maxBatch?: number;
  /** …or this long after its first fact arrived, whichever comes first. */
  maxDelayMs?: number;
}

interface Waiting {
  fact: SessionFact;
  resolve(result: FactResult): void;
  reject(error: unknown): void;
}

interface ServerQueue {
  waiting: Waiting[];
  timer: NodeJS.Timeout | undefined;
  /** The batch being written; the next one starts only after it commits (per-session order). */
  writing: Promise<void> | undefined;
}

/**
 * Group commit of the session facts gateways report. Facts of one server queue up and are written
 * in batches, one transaction each, flushed at `maxBatch` facts or `maxDelayMs` after the first;
 * a server has at most one batch in flight, and facts keep their arrival order within and across
 * batches, so a session's end never overtakes its start. Each fact's promise settles only after
 * its batch committed: nothing is acknowledged to the gateway before it is durable. A batch that
 * fails is retried fact by fact, so one bad fact costs only itself: the others are stored and
 * it alone is rejected, with the store's reason.
 */
export class SessionIngest {
  private readonly queues = new Map<string, ServerQueue>();
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  /** Facts committed so far (for benchmarks and metrics). */
  committed = 0;
  /** Batches committed so far. */
  batches = 0;

  constructor(
    private readonly ctx: DomainContext,
    options: IngestOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 2;
  }

  established(serverId: string, session: EstablishedSession): Promise<VpnClient> {
    return this.submit(serverId, { kind: 'established', session }) as Promise<VpnClient>;
  }

  ended(serverId: string, session: EndedSession): Promise<VpnClient | undefined> {
    return this.submit(serverId, { kind: 'ended', session });
  }

  /** Facts accepted but not yet committed, across servers. */
  get pending(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.waiting.length;
    return n;
  }

  /** Whether a batch is being written for the server right now. */
  writing(serverId: string): boolean {
    return this.queues.get(serverId)?.writing !== undefined;
  }

  submit(serverId: string, fact: SessionFact): Promise<FactResult> {
    let queue = this.queues.get(serverId);
    if (!queue) {
      queue = { waiting: [], timer: undefined, writing: undefined };
      this.queues.set(serverId, queue);
    }
    const q = queue;
    return new Promise<FactResult>((resolve, reject) => {
      q.waiting.push({ fact, resolve, reject });
      if (q.writing) return; // written right after the batch in flight commits
      if (q.waiting.length >= this.maxBatch) this.flush(serverId, q);
      else q.timer ??= setTimeout(() => this.flush(serverId, q), this.maxDelayMs);
    });
  }

  /** Writes everything queued now and waits for it (shutdown, tests). */
  async drain(): Promise<void> {
    for (;;) {
      const busy = [...this.queues.entries()].filter(([, q]) => q.writing || q.waiting.length > 0);
      if (busy.length === 0) return;
      for (const [serverId, q] of busy) if (!q.writing) this.flush(serverId, q);
      await Promise.all(busy.map(([, q]) => q.writing));
    }
  }

  private flush(serverId: string, queue: ServerQueue): void {
    if (queue.timer) clearTimeout(queue.timer);
    queue.timer = undefined;
    if (queue.writing || queue.waiting.length === 0) return;
    const batch = queue.waiting.splice(0, this.maxBatch);
    queue.writing = this.write(serverId, batch).finally(() => {
      queue.writing = undefined;
      // Whatever arrived meanwhile has waited long enough.
      if (queue.waiting.length > 0) this.flush(serverId, queue);
      else if (this.queues.get(serverId) === queue) this.queues.delete(serverId);
    });
  }

  private async write(serverId: string, batch: Waiting[]): Promise<void> {
    try {
      const results = await applySessionFacts(this.ctx, serverId, batch.map((w) => w.fact));
      this.settled(serverId, batch.length);
      batch.forEach((w, i) => w.resolve(results[i]));
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(notStored(batch[0].fact, error));
        return;
      }
    }
    // One by one, in order: the facts that can be stored are; the one that cannot fails alone.
    for (const waiting of batch) {
      try {
        const [result] = await applySessionFacts(this.ctx, serverId, [waiting.fact]);
        this.settled(serverId, 1);
        waiting.resolve(result);
      } catch (error) {
        waiting.reject(notStored(waiting.fact, error));
      }
    }
  }

  private settled(serverId: string, facts: number): void {
    this.committed += facts;
    this.batches += 1;
    this.ctx.bus.notify(serverId);
  }
}

function notStored(fact: SessionFact, cause: unknown): SluiceError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const error = new SluiceError('service_error', `session ${fact.session.sessionKey}: ${fact.kind} fact not stored: ${reason}`);
  error.cause = cause;
  return error;
}
