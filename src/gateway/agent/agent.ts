import type { Logger } from 'pino';
import type { ControlNotice, ControlPlaneChannel } from '../channel.ts';
import { ServerRuntime, type RuntimeOptions } from './server-runtime.ts';
import { GatewayMeter } from './meter.ts';
import { settleWithin } from './settle-within.ts';
import { removeStrayServers } from './stray-servers.ts';
import { systemScheduler, type Cancel, type Scheduler } from './clock.ts';
import { systemLauncher } from './openvpn-launcher.ts';

const TICK_MS = 250;
/** How often changed figures go to the control plane, at most. */
const METRICS_REPORT_MS = 2000;

/**
 * The gateway agent: one ServerRuntime per VPN server this host runs. It learns what to run from
 * the control plane and re-reads it on every notice, so a lost notice costs latency, not state.
 * Work for one server is serialised; servers proceed independently.
 */
export class GatewayAgent {
  private readonly runtimes = new Map<string, ServerRuntime>();
  private readonly queues = new Map<string, Promise<void>>();
  private stopTicking: Cancel | undefined;
  private readonly scheduler: Scheduler;
  private readonly meter: GatewayMeter;
  private lastReport = 0;
  private detached = false;

  constructor(
    private readonly channel: ControlPlaneChannel,
    private readonly options: RuntimeOptions,
    private readonly log: Logger,
  ) {
    this.meter = new GatewayMeter(options.gatewayName ?? 'local', options.now());
    this.scheduler = options.scheduler ?? systemScheduler;
  }

  async start(): Promise<void> {
    const { serverIds } = await this.channel.request({ type: 'list_servers' });
    // Tables of servers deleted while the agent was away go before anything is applied.
    const listed = new Set(serverIds);
    const keep = (serverId: string): boolean => listed.has(serverId) || this.runtimes.has(serverId);
    await this.options.dataplane?.sweep(keep).catch((error: unknown) => {
      this.log.warn({ err: error }, 'removing data-plane tables of deleted servers failed');
    });
    await this.removeStrays(keep);
    await Promise.all(serverIds.map((serverId) => this.enqueue(serverId, () => this.apply(serverId))));
    this.stopTicking = this.scheduler.every(TICK_MS, () => {
      for (const runtime of this.runtimes.values()) runtime.tick();
      this.reportMetrics();
    });
  }

  /**
   * Lets go of every management socket once answers under way are sent; OpenVPN keeps serving.
   * No work starts afterwards: the control plane, and its store, are going away.
   */
  async detach(drainMs = 2000): Promise<void> {
    this.detached = true;
    this.stopTicking?.();
    // A server start under way would otherwise attach after its runtime was detached.
    await settleWithin(this.queues.values(), drainMs, this.scheduler);
    await Promise.all([...this.runtimes.values()].map((runtime) => runtime.detach(drainMs)));
  }

  /** Notices may have been lost (e.g. from other replicas): carry out every pending intent now. */
  catchUp(): void {
    for (const serverId of this.runtimes.keys()) this.notify({ type: 'kill_requested', serverId });
  }

  /** Server changes may have been missed: re-read every server, those it runs and those listed. */
  async reload(): Promise<void> {
    const { serverIds } = await this.channel.request({ type: 'list_servers' });
    for (const serverId of new Set([...serverIds, ...this.runtimes.keys()])) this.notify({ type: 'server_changed', serverId });
  }

  notify(notice: ControlNotice): void {
    // The intent came with the notice: kill now on an attached server rather than behind queued work.
    if (notice.type === 'kill_requested' && notice.kills !== undefined) {
      const runtime = this.runtimes.get(notice.serverId);
      if (runtime?.attached) {
        runtime.killNow(notice.kills);
        return;
      }
    }
    void this.enqueue(notice.serverId, async () => {
      if (notice.type === 'server_changed') await this.apply(notice.serverId);
      else if (notice.type === 'server_deleted') await this.remove(notice.serverId);
      else await this.runtimes.get(notice.serverId)?.executeKills();
    });
  }

  private reportMetrics(): void {
    const now = this.options.now();
    if (now - this.lastReport < (this.options.metricsReportMs ?? METRICS_REPORT_MS)) return;
    this.lastReport = now;
    const snapshot = this.meter.changed(now);
    if (snapshot) void this.channel.request({ type: 'metrics', snapshot }).catch((error: unknown) => this.log.warn({ err: error }, 'metrics report failed'));
  }

  /** Resolves when every queued piece of work for the server is done (tests, shutdown). */
  settled(serverId: string): Promise<void> {
    return this.queues.get(serverId) ?? Promise.resolve();
  }

  private enqueue(serverId: string, work: () => Promise<void>): Promise<void> {
    const next = (this.queues.get(serverId) ?? Promise.resolve()).then(() => (this.detached ? undefined : work())).catch((error: unknown) => {
      this.log.error({ serverId, err: error }, 'gateway work failed');
    });
    this.queues.set(serverId, next);
    return next;
  }

  private async apply(serverId: string): Promise<void> {
    const { server } = await this.channel.request({ type: 'get_server', serverId });
    if (this.detached) return;
    if (!server) return this.remove(serverId);
    const existing = this.runtimes.get(serverId);
    if (existing) return existing.update(server);
    const runtime = new ServerRuntime(serverId, this.channel, this.options, this.log, this.meter.forServer(serverId));
    this.runtimes.set(serverId, runtime);
    await runtime.start(server);
  }

  /** Servers no longer placed here go, and a deletion that waited for this agent is finished. */
  private async removeStrays(keep: (serverId: string) => boolean): Promise<void> {
    const warn = (what: string) => (error: unknown) => this.log.warn({ err: error }, what);
    const removed = await removeStrayServers(this.options.gatewayDir, this.options.launcher ?? systemLauncher, keep, this.log).catch(warn('removing servers deleted while the agent was away failed'));
    await Promise.all((removed ?? []).map((serverId) => this.channel.request({ type: 'server_stopped', serverId }).catch(warn('reporting a removed server failed'))));
  }

  private async remove(serverId: string): Promise<void> {
    const runtime = this.runtimes.get(serverId);
    if (!runtime) {
      await this.channel.request({ type: 'server_stopped', serverId });
      return;
    }
    this.runtimes.delete(serverId);
    this.meter.drop(serverId);
    runtime.remove();
  }
}
