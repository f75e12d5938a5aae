import { createHash } from 'node:crypto';
import { RateLimitedError } from '../../../errors/catalogue.ts';
import type { DomainContext } from '../../../domain/context.ts';
import { can } from '../../../domain/identity/roles.ts';
import type { IdentityService } from '../../../domain/identity/service.ts';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { StoredClientEvent } from '../../../store/client-events.ts';
import { clientEventsAfter, findServerClient } from '../../../domain/clients/reads.ts';
import { presentClient } from '../clients/presenter.ts';
import type { ClientEvent } from '../clients/schema.ts';

/** Token re-checks; every HEARTBEAT_TICKS a keep-alive comment on each stream. */
const TICK_MS = 1000;
const HEARTBEAT_TICKS = 15;
const BATCH = 500;
/** What a caller over a stream cap is told to wait before trying again. */
const RETRY_AFTER_S = 10;

export interface StreamCaps {
  perToken: number;
  perServer: number;
}

/** One open stream: where it is in the server's event sequence and how to reach its socket. */
export interface Stream {
  serverId: string;
  token: string;
  userId: string;
  /** Origin of the `href`s in this stream's records. */
  base: string;
  lastSeq: number;
  write(text: string): void;
  /** Ends the stream, saying why in a comment line. */
  end(reason: string): void;
}

interface Feed {
  streams: Set<Stream>;
  unsubscribe: () => void;
  pumping: boolean;
  again: boolean;
}

const tokenKey = (token: string): string => createHash('sha256').update(token).digest('hex').slice(0, 24);

/**
 * Every client event stream of this replica. Streams of one VPN server share one read of the
 * store per change, however many there are; each stream skips what it has already seen. A change
 * is told by the change bus: at once for changes made here, through the store's change feed for
 * changes made by other replicas (and for every server after a gap in that feed). Reads follow the
 * event sequence, which the store makes visible in order, so nothing is skipped or sent twice.
 * Every tick (and at once when a user changes here) each stream's token is checked again: a
 * stream ends when its token expires or is revoked, its user is disabled or deleted, or it loses
 * the right to read the server's clients.
 */
export class StreamHub {
  private readonly feeds = new Map<string, Feed>();
  private readonly perToken = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private readonly stopWatchingUsers: () => void;

  constructor(
    private readonly ctx: DomainContext,
    private readonly identity: IdentityService,
    private readonly caps: StreamCaps,
    private readonly onError: (error: unknown) => void,
  ) {
    this.stopWatchingUsers = identity.onUserChanged((userId) => void this.recheck((s) => s.userId === userId));
  }

  /** Refuses (429) a stream over the caps; otherwise counts it until `leave`. */
  admit(serverId: string, token: string): void {
    const key = tokenKey(token);
    if (this.caps.perToken > 0 && (this.perToken.get(key) ?? 0) >= this.caps.perToken) {
      throw new RateLimitedError(`too many open event streams for this token (at most ${this.caps.perToken})`, RETRY_AFTER_S);
    }
    if (this.caps.perServer > 0 && (this.feeds.get(serverId)?.streams.size ?? 0) >= this.caps.perServer) {
      throw new RateLimitedError(`too many open event streams on this VPN server (at most ${this.caps.perServer})`, RETRY_AFTER_S);
    }
  }

  join(stream: Stream): void {
    let feed = this.feeds.get(stream.serverId);
    if (!feed) {
      const serverId = stream.serverId;
      feed = { streams: new Set(), pumping: false, again: false, unsubscribe: this.ctx.bus.subscribe(serverId, () => void this.pump(serverId)) };
      this.feeds.set(serverId, feed);
    }
    feed.streams.add(stream);
    const key = tokenKey(stream.token);
    this.perToken.set(key, (this.perToken.get(key) ?? 0) + 1);
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
    void this.pump(stream.serverId);
  }

  leave(stream: Stream): void {
    const feed = this.feeds.get(stream.serverId);
    if (!feed?.streams.delete(stream)) return;
    const key = tokenKey(stream.token);
    const left = (this.perToken.get(key) ?? 1) - 1;
    if (left > 0) this.perToken.set(key, left);
    else this.perToken.delete(key);
    if (feed.streams.size === 0) {
      feed.unsubscribe();
      this.feeds.delete(stream.serverId);
    }
    if (this.feeds.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Open streams now (all servers). */
  get size(): number {
    let n = 0;
    for (const feed of this.feeds.values()) n += feed.streams.size;
    return n;
  }

  close(): void {
    this.stopWatchingUsers();
    for (const feed of [...this.feeds.values()]) for (const stream of [...feed.streams]) this.end(stream, 'the service is shutting down');
  }

  private tick(): void {
    this.ticks += 1;
    const heartbeat = this.ticks % HEARTBEAT_TICKS === 0;
    if (heartbeat) for (const feed of this.feeds.values()) for (const stream of feed.streams) stream.write(': keep-alive\n\n');
    void this.recheck(() => true);
  }

  private end(stream: Stream, reason: string): void {
    this.leave(stream);
    stream.end(reason);
  }

  /** Ends every matching stream whose token no longer lets it read its server's clients. */
  private async recheck(matches: (stream: Stream) => boolean): Promise<void> {
    const streams = [...this.feeds.values()].flatMap((feed) => [...feed.streams].filter(matches));
    for (const stream of streams) {
      try {
        const principal = await this.identity.authenticate(stream.token);
        if (!can(principal, 'client.read', stream.serverId)) this.end(stream, 'not_authorized: the token no longer allows reading these clients');
      } catch (error) {
        this.end(stream, `not_authenticated: ${(error as Error).message}`);
      }
    }
  }

  /** One read of the store for every stream of the server, from the one furthest behind. */
  private async pump(serverId: string): Promise<void> {
    const feed = this.feeds.get(serverId);
    if (!feed) return;
    if (feed.pumping) {
      feed.again = true;
      return;
    }
    feed.pumping = true;
    try {
      do {
        feed.again = false;
        if (feed.streams.size === 0) break;
        const from = Math.min(...[...feed.streams].map((s) => s.lastSeq));
        const events = await clientEventsAfter(this.ctx, serverId, from, BATCH);
        for (const event of events) await this.deliver(feed, event);
        if (events.length === BATCH) feed.again = true;
      } while (feed.again);
    } catch (error) {
      this.onError(error);
    } finally {
      feed.pumping = false;
    }
  }

  private async deliver(feed: Feed, event: StoredClientEvent): Promise<void> {
    const behind = [...feed.streams].filter((s) => s.lastSeq < event.seq);
    if (behind.length === 0) return;
    const client = await findServerClient(this.ctx, event.vpnServerId, event.clientId);
    const rendered = new Map<string, string>();
    for (const stream of behind) {
      let text = rendered.get(stream.base);
      if (text === undefined) {
        const data: ClientEvent = { seq: event.seq, type: event.type, client_id: event.clientId, at: toTimestamp(event.at), actor: event.actor };
        // An operator's disconnect or delete names the audit event of the call that asked for it.
        if (typeof event.data.audit_event_id === 'string') data.audit_event_id = event.data.audit_event_id;
        if (client && client.intent !== 'delete') data.client = presentClient(client, stream.base);
        text = `id: ${event.seq}\nevent: client\ndata: ${JSON.stringify(data)}\n\n`;
        rendered.set(stream.base, text);
      }
      stream.write(text);
      stream.lastSeq = event.seq;
    }
  }
}
