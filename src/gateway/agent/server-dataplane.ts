/**
 * One VPN server's data plane on this host: its nftables table, kept equal to the routes and the
 * live sessions. Full renders replace the table in one transaction (start, route changes, drift);
 * sessions starting and ending change only set elements, batched into one transaction per burst.
 * Every nft call for the server goes through one queue, so they never overtake each other.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { ControlPlaneChannel, RouteCounterReport, RouteSpec, ServerStateReport } from '../channel.ts';
import type { SessionIdentity } from '../dataplane/access.ts';
import { normalizeListing, parseCounters, parseSetElements } from '../dataplane/listing.ts';
import { deniedCounterName, isSessionSet, routeKey, tableName } from '../dataplane/names.ts';
import { renderMembershipChanges, renderRemoval, renderRuleset, setMembers, setsOf, type DataPlaneRoute, type DataPlaneSpec, type MembershipChange } from '../dataplane/ruleset.ts';
import type { DataPlaneHost } from './dataplane-host.ts';

export interface DataPlaneConfig {
  clientIpPool: string;
  routes: readonly RouteSpec[];
}

/** What was applied, kept beside the server's files so a restarted agent can tell drift. */
interface AppliedState {
  inputHash: string;
  listing: string;
}

const COUNTER_INTERVAL_MS = 10_000;
const RETRY_MS = 5_000;
/** How often the kernel's table is compared with what was applied (a hand edit is undone). */
const VERIFY_INTERVAL_MS = 60_000;

export class ServerDataPlane {
  private config: DataPlaneConfig | undefined;
  /** Live sessions by session key: what the sets should hold. */
  private readonly sessions = new Map<string, SessionIdentity>();
  /** Whether `sessions` is complete: false after an agent restart until OpenVPN's status is read. */
  private sessionsKnown = false;
  /** Set elements as the kernel has them, per set; undefined while the table is not ours yet. */
  private inKernel: Map<string, Set<string>> | undefined;
  private readonly dirty = new Set<string>();
  private flushQueued = false;
  private queue: Promise<void> = Promise.resolve();
  private problem: string | undefined;
  private failedAt: number | undefined;
  private countedAt = 0;
  private verifiedAt = 0;
  private lastCounters = '';
  private removed = false;
  /** What this agent last applied itself: a route change then updates the table in place. */
  private applied: { inputHash: string; routes: DataPlaneRoute[]; clientIpPool: string } | undefined;

  constructor(
    private readonly host: DataPlaneHost,
    readonly serverId: string,
    private readonly statePath: string,
    private readonly channel: ControlPlaneChannel,
    private readonly onHealthChange: () => void,
    /** The tun device OpenVPN must use so the rules know it (`dev` in the server config). */
    readonly device: string,
  ) {}

  private get log(): Logger {
    return this.host.log;
  }

  /** What keeps the server from being enforced, naming the missing part; undefined when nothing. */
  get unavailable(): string | undefined {
    return this.problem;
  }

  /** New routes or pool: applied now if the table differs (no OpenVPN restart needed). */
  configure(config: DataPlaneConfig): Promise<void> {
    this.config = { clientIpPool: config.clientIpPool, routes: [...config.routes].sort((a, b) => (a.id < b.id ? -1 : 1)) };
    return this.ensure();
  }

  /**
   * Makes the kernel's table what it should be: applied when missing, when the routes changed, or
   * when its rules drifted from what was applied (someone edited it); left alone otherwise, so a
   * restarted agent keeps traffic flowing.
   */
  ensure(): Promise<void> {
    return this.enqueue(() => this.ensureNow());
  }

  /** A process we just spawned has no sessions yet. */
  processStarted(): void {
    this.replaceSessions([]);
  }

  sessionStarted(sessionKey: string, identity: SessionIdentity): void {
    if (identity.address === '') return;
    this.sessions.set(sessionKey, identity);
    this.markDirty([identity.address]);
  }

  /** Removes the session's address from every set at once (called at kill time, and at its end). */
  sessionEnded(sessionKey: string): void {
    const session = this.sessions.get(sessionKey);
    if (!session) return;
    this.sessions.delete(sessionKey);
    this.markDirty([session.address]);
  }

  /** Every live session, as OpenVPN's status lists them (after attach, or none when it exited). */
  replaceSessions(sessions: readonly (SessionIdentity & { sessionKey: string })[]): void {
    const addresses = new Set([...this.sessions.values()].map((s) => s.address));
    this.sessions.clear();
    for (const { sessionKey, ...identity } of sessions) {
      if (identity.address === '') continue;
      this.sessions.set(sessionKey, identity);
      addresses.add(identity.address);
    }
    this.sessionsKnown = true;
    for (const address of this.kernelAddresses()) addresses.add(address);
    this.markDirty([...addresses]);
  }

  /** Reads the counters now and then for the control plane, checks for drift, retries a failed apply. */
  tick(now: number): void {
    if (this.removed) return;
    if (this.failedAt !== undefined && now - this.failedAt >= RETRY_MS) {
      this.failedAt = undefined;
      void this.ensure();
    }
    if (now - this.verifiedAt >= VERIFY_INTERVAL_MS) {
      this.verifiedAt = now;
      if (this.applied) void this.enqueue(() => this.ensureNow(true));
    }
    if (now - this.countedAt >= COUNTER_INTERVAL_MS && this.inKernel !== undefined) {
      this.countedAt = now;
      void this.enqueue(() => this.reportCounters(now));
    }
  }

  /** The server is deleted: its table goes. */
  remove(): Promise<void> {
    this.removed = true;
    return this.enqueue(async () => {
      if (!(await this.host.ready()).canApply) return;
      await this.host.nft.apply(renderRemoval(this.serverId));
      this.inKernel = undefined;
      this.log.info({ serverId: this.serverId, table: tableName(this.serverId) }, 'removed data-plane table');
    });
  }

  // ---- internals ------------------------------------------------------------------------------

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work).catch((error: unknown) => {
      this.log.warn({ serverId: this.serverId, err: error }, 'data-plane work failed');
    });
    this.queue = next;
    return next;
  }

  private setProblem(problem: string | undefined): void {
    if (problem === this.problem) return;
    this.problem = problem;
    this.onHealthChange();
  }

  private routes(): DataPlaneRoute[] {
    return (this.config?.routes ?? []).map((r) => ({ id: r.id, destination: r.destination, action: r.action, ...(r.access && { access: r.access }) }));
  }

  private inputHash(): string {
    const input = { gateway: this.host.gatewayId, egress: this.host.options.egressInterfaces, pool: this.config?.clientIpPool, routes: this.routes() };
    return createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 16);
  }

  private async listing(): Promise<unknown> {
    try {
      return await this.host.nft.listJson('table', 'inet', tableName(this.serverId));
    } catch {
      // No such table (first start, reboot, removed by hand): nothing to carry over.
      return undefined;
    }
  }

  private readState(): AppliedState | undefined {
    try {
      return JSON.parse(readFileSync(this.statePath, 'utf8')) as AppliedState;
    } catch {
      return undefined;
    }
  }

  /**
   * `verify`: compare the kernel's table with what was applied even when this agent applied it
   * (the periodic check); otherwise a table this agent applied is trusted and only updated.
   */
  private async ensureNow(verify = false): Promise<void> {
    if (this.removed || !this.config) return;
    const readiness = await this.host.ready();
    if (!readiness.canApply) {
      this.setProblem(readiness.problems.join('; '));
      // Tried again from tick(); the host re-checks what was missing every 30 s.
      this.failedAt = this.host.options.now();
      return;
    }
    if (!verify && this.applied && this.inKernel && this.sessionsKnown) {
      if (this.applied.inputHash !== this.inputHash()) await this.updateNow(this.applied, readiness.problems);
      return;
    }
    const live = await this.listing();
    const state = this.readState();
    const current = live !== undefined && state?.inputHash === this.inputHash() && state.listing === normalizeListing(live);
    if (current) {
      if (this.inKernel === undefined) {
        this.inKernel = this.sessionSetsOf(live);
        // Known sessions and what the kernel holds are compared address by address.
        if (this.sessionsKnown) this.markDirty([...this.kernelAddresses(), ...[...this.sessions.values()].map((s) => s.address)]);
      }
      this.setProblem(readiness.problems.join('; ') || undefined);
      if (this.dirty.size > 0) this.scheduleFlush();
      return;
    }
    if (live !== undefined && state?.inputHash === this.inputHash()) this.log.warn({ serverId: this.serverId, table: tableName(this.serverId) }, 'data-plane table differs from what Sluice applied (changed by hand?); replacing it');
    await this.applyNow(live, readiness.problems);
  }

  private sessionSetsOf(listing: unknown): Map<string, Set<string>> {
    const sets = new Map<string, Set<string>>();
    for (const [name, elements] of parseSetElements(listing)) if (isSessionSet(name)) sets.set(name, new Set(elements));
    return sets;
  }

  private kernelAddresses(): string[] {
    return [...(this.inKernel?.values() ?? [])].flatMap((members) => [...members]);
  }

  /** Sets each address should be in, from the live sessions (an address may briefly have two). */
  private desiredSets(): Map<string, Set<string>> {
    const routes = this.routes();
    const byAddress = new Map<string, Set<string>>();
    for (const session of this.sessions.values()) {
      const sets = byAddress.get(session.address) ?? new Set<string>();
      for (const set of setsOf(routes, session)) sets.add(set);
      byAddress.set(session.address, sets);
    }
    return byAddress;
  }

  private spec(): DataPlaneSpec {
    return {
      serverId: this.serverId,
      gatewayId: this.host.gatewayId,
      device: this.device,
      clientIpPool: this.config?.clientIpPool ?? '',
      egressInterfaces: this.host.options.egressInterfaces,
      routes: this.routes(),
      sessions: [...this.sessions.values()],
    };
  }

  /** Replaces the table whole, carrying over its counters (and, before sessions are known, its set elements). */
  private async applyNow(live: unknown, hostProblems: readonly string[]): Promise<void> {
    const spec = this.spec();
    // Until OpenVPN's status has been read, the sets keep what the kernel had: an agent restart
    // must not cut off sessions that are still connected.
    const carried = this.sessionsKnown || live === undefined ? undefined : this.sessionSetsOf(live);
    const script = renderRuleset({
      ...spec,
      ...(live !== undefined && { counters: { named: parseCounters(live) } }),
      ...(carried && { carriedMembers: new Map([...carried].map(([name, members]) => [name, [...members]])) }),
    });
    if (!(await this.run(script, 'applied', spec))) return;
    await this.recordApplied(spec, hostProblems);
    if (carried) this.scheduleFlush();
  }

  /** A route or access change on the table this agent applied: one transaction, nothing read first. */
  private async updateNow(previous: { routes: DataPlaneRoute[]; clientIpPool: string }, hostProblems: readonly string[]): Promise<void> {
    const spec = this.spec();
    if (!(await this.run(renderRuleset(spec, { previous }), 'updated', spec, true))) {
      // Not the table we thought it was: read it and replace it whole.
      this.applied = undefined;
      await this.applyNow(await this.listing(), hostProblems);
      return;
    }
    await this.recordApplied(spec, hostProblems);
  }

  private async run(script: string, what: string, spec: DataPlaneSpec, quiet = false): Promise<boolean> {
    const started = this.host.options.now();
    try {
      await this.host.nft.apply(script);
    } catch (error) {
      if (quiet) return false;
      this.failedAt = this.host.options.now();
      this.setProblem(`applying the nftables table ${tableName(this.serverId)} failed: ${(error as Error).message}`);
      return false;
    }
    this.log.info({ serverId: this.serverId, table: tableName(this.serverId), routes: spec.routes.length, sessions: spec.sessions.length, ms: this.host.options.now() - started }, `${what} data-plane table`);
    return true;
  }

  /** Remembers what was applied, here and beside the server's files (for an agent that restarts). */
  private async recordApplied(spec: DataPlaneSpec, hostProblems: readonly string[]): Promise<void> {
    const inputHash = this.inputHash();
    this.applied = { inputHash, routes: [...spec.routes], clientIpPool: spec.clientIpPool };
    // Sessions that came or went meanwhile are still marked dirty: the next flush settles them.
    this.inKernel = new Map([...setMembers(spec.routes, spec.sessions)].map(([name, members]) => [name, new Set(members)]));
    this.setProblem(hostProblems.join('; ') || undefined);
    const listing = await this.listing();
    if (listing === undefined) return;
    this.inKernel = this.sessionSetsOf(listing);
    mkdirSync(dirname(this.statePath), { recursive: true, mode: 0o700 });
    writeFileSync(this.statePath, JSON.stringify({ inputHash, listing: normalizeListing(listing) } satisfies AppliedState), { mode: 0o600 });
  }

  private markDirty(addresses: readonly string[]): void {
    for (const address of addresses) this.dirty.add(address);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    void this.enqueue(async () => {
      this.flushQueued = false;
      await this.flushNow();
    });
  }

  /** Element changes for every address touched since the last flush, as one transaction. */
  private async flushNow(): Promise<void> {
    const inKernel = this.inKernel;
    if (this.removed || inKernel === undefined) return;
    const addresses = [...this.dirty];
    this.dirty.clear();
    const desired = this.desiredSets();
    const changes: MembershipChange[] = [];
    for (const address of addresses) {
      const wanted = desired.get(address) ?? new Set<string>();
      // Without the full list of sessions, an address nobody claims may be a session not yet read back.
      if (!this.sessionsKnown && wanted.size === 0) continue;
      for (const [set, members] of inKernel) {
        if (members.has(address) && !wanted.has(set)) changes.push({ op: 'delete', set, address });
      }
      for (const set of wanted) if (inKernel.get(set) && !inKernel.get(set)?.has(address)) changes.push({ op: 'add', set, address });
    }
    if (changes.length === 0) return;
    try {
      await this.host.nft.apply(renderMembershipChanges(this.serverId, changes));
    } catch (error) {
      // The kernel's sets are not what we thought (edited by hand, table gone): render it whole.
      this.log.warn({ serverId: this.serverId, err: error }, 'updating data-plane sets failed; re-applying the table');
      await this.applyNow(await this.listing(), (await this.host.ready()).problems);
      return;
    }
    for (const change of changes) {
      const members = inKernel.get(change.set);
      if (change.op === 'add') members?.add(change.address);
      else members?.delete(change.address);
    }
  }

  private async reportCounters(at: number): Promise<void> {
    let named;
    try {
      named = parseCounters(await this.host.nft.listJson('counters', 'table', 'inet', tableName(this.serverId)));
    } catch {
      return;
    }
    const routes: RouteCounterReport[] = this.routes().map((route) => ({
      routeId: route.id,
      packets: named.get(routeKey(route.id))?.packets ?? 0,
      bytes: named.get(routeKey(route.id))?.bytes ?? 0,
      deniedPackets: named.get(deniedCounterName(route.id))?.packets ?? 0,
    }));
    const text = JSON.stringify(routes);
    if (text === this.lastCounters) return;
    await this.channel.request({ type: 'route_counters', serverId: this.serverId, at, routes });
    this.lastCounters = text;
  }
}

/**
 * A running server whose routes are not enforced is degraded, not failed: sessions work, and the
 * reason names what is missing.
 */
export function withDataPlaneHealth(report: ServerStateReport, unavailable: string | undefined): ServerStateReport {
  if (unavailable === undefined || report.lifecycle !== 'stable') return report;
  return { ...report, health: report.health === 'faulted' ? 'faulted' : 'degraded', reasons: [...report.reasons, { code: 'dataplane_unavailable', message: unavailable }] };
}
