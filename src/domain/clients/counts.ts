import { countClients, type ClientFilter } from '../../store/clients.ts';
import type { DomainContext } from '../context.ts';

/**
 * `total_count` of client lists. Counting reads every record of a server, which dominates a list
 * request on a server with many records, so each count is reused until that server's clients
 * change here (the change bus) or `maxAgeMs` passes (changes made by another replica).
 */
export class ClientCounts {
  private readonly counts = new Map<string, { value: Promise<number>; until: number }>();
  private readonly watched = new Set<string>();

  constructor(
    private readonly ctx: DomainContext,
    private readonly maxAgeMs = 1000,
  ) {}

  count(serverId: string, filter: ClientFilter): Promise<number> {
    const key = `${serverId}\u0000${filter.status ?? ''}\u0000${filter.username ?? ''}\u0000${filter.commonName ?? ''}`;
    const now = this.ctx.clock.now();
    const cached = this.counts.get(key);
    if (cached && cached.until > now) return cached.value;
    this.watch(serverId);
    const value = countClients(this.ctx.store.db, serverId, filter);
    // A failed count is not remembered.
    value.catch(() => this.counts.delete(key));
    if (this.counts.size > 10_000) this.counts.clear();
    this.counts.set(key, { value, until: now + this.maxAgeMs });
    return value;
  }

  private watch(serverId: string): void {
    if (this.watched.has(serverId)) return;
    this.watched.add(serverId);
    this.ctx.bus.subscribe(serverId, () => {
      for (const key of this.counts.keys()) if (key.startsWith(`${serverId}\u0000`)) this.counts.delete(key);
    });
  }
}
