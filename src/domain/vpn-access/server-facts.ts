import { findCertificateByCrn } from '../../store/certificates.ts';
import type { ChangeHandlers } from '../../store/change-feed.ts';
import type { Store } from '../../store/database.ts';
import { findServer } from '../../store/vpn-servers.ts';
import type { DomainContext } from '../context.ts';
import { perStore } from '../shared/per-store.ts';
import type { VpnServer } from '../vpn-servers/model.ts';

/**
 * What every decision on a server's clients reads about the server itself: the server and, when it
 * takes certificates, its client CA. These change rarely (an update, a delete), so they are read
 * once per server and kept until a change is known. Certificates and users are not kept: a
 * revocation or a disabled user must count at once, and those are read per decision.
 */
export interface ServerFacts {
  server: VpnServer;
  /** The client CA when the server takes certificates: its id, null once it is gone. */
  clientCa: { id: string | null } | undefined;
}

/**
 * How long kept facts are trusted without a notice. Changes are told at once (in process) or
 * through the change feed (other replicas); this only bounds how long a silently dead feed
 * connection, whose gap is not yet noticed, can leave a replica on old facts.
 */
const TRUSTED_FOR_MS = 5000;

interface Kept {
  facts: Promise<ServerFacts | undefined>;
  readAt: number;
}

async function readServerFacts(store: Store, serverId: string): Promise<ServerFacts | undefined> {
  const server = await findServer(store.db, serverId);
  if (!server) return undefined;
  const certAuth = server.clientAuthentication.find((a) => a.method === 'certificate');
  if (certAuth?.method !== 'certificate') return { server, clientCa: undefined };
  const ca = await findCertificateByCrn(store.db, certAuth.client_ca.crn);
  return { server, clientCa: { id: ca?.id ?? null } };
}

/**
 * The facts of each server, per store (one per process and database). Correct only if every
 * change is told after it committed: `forget` on this process's change paths, the change feed's
 * `servers` notices for other replicas. Until the feed listens, nothing is kept.
 */
class ServerFactsCache {
  private readonly kept = new Map<string, Kept>();
  /** Set once the change feed listens: changes committed after that are heard. */
  private listening: Promise<boolean> | undefined;
  /** One object, so a retried subscription does not add a second listener. */
  private readonly handlers: ChangeHandlers = { change: (serverId) => this.forget(serverId), resync: () => this.forgetAll() };

  constructor(private readonly store: Store) {}

  async factsOf(serverId: string, now: number): Promise<ServerFacts | undefined> {
    if (!(await this.listen())) return readServerFacts(this.store, serverId);
    const kept = this.kept.get(serverId);
    if (kept && now - kept.readAt < TRUSTED_FOR_MS) return kept.facts;
    // Concurrent decisions share one read; a change told meanwhile drops it, so a read begun
    // before the commit is never kept after it.
    const facts = readServerFacts(this.store, serverId);
    const entry: Kept = { facts, readAt: now };
    this.kept.set(serverId, entry);
    const drop = (): void => {
      if (this.kept.get(serverId) === entry) this.kept.delete(serverId);
    };
    // An unknown server is not kept: one created next must be found.
    facts.then((f) => (f === undefined ? drop() : undefined), drop);
    return facts;
  }

  forget(serverId: string): void {
    this.kept.delete(serverId);
  }

  forgetAll(): void {
    this.kept.clear();
  }

  /** Starts listening on first use; false while it cannot (every decision then reads, and retries). */
  private listen(): Promise<boolean> {
    this.listening ??= this.store.changes.subscribe('servers', this.handlers).then(
      () => true,
      () => {
        this.listening = undefined;
        return false;
      },
    );
    return this.listening;
  }
}

const cacheOf = perStore((store) => new ServerFactsCache(store));

/** The facts a decision needs about its server, kept between decisions (see ServerFactsCache). */
export function serverFactsOf(ctx: DomainContext, serverId: string): Promise<ServerFacts | undefined> {
  return cacheOf(ctx.store).factsOf(serverId, ctx.clock.now());
}

/** A change of the server committed in this process: the next decision reads it anew. */
export function forgetServerFacts(ctx: DomainContext, serverId: string): void {
  cacheOf(ctx.store).forget(serverId);
}
