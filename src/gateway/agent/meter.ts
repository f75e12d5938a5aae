import type { GatewayMetricsSnapshot } from '../metrics.ts';
import { ServerTally } from '../core/tally.ts';

const HEARTBEAT_MS = 60_000;

/** This gateway's figures for every server it runs, reported to the control plane as snapshots. */
export class GatewayMeter {
  private readonly tallies = new Map<string, ServerTally>();
  private lastSent = '';
  private lastSentAt = 0;

  constructor(
    readonly gateway: string,
    private readonly startedAt: number,
  ) {}

  forServer(serverId: string): ServerTally {
    let tally = this.tallies.get(serverId);
    if (!tally) {
      tally = new ServerTally();
      this.tallies.set(serverId, tally);
    }
    return tally;
  }

  /** The server is gone from this gateway: its series go with it. */
  drop(serverId: string): void {
    this.tallies.delete(serverId);
  }

  snapshot(now: number): GatewayMetricsSnapshot {
    const servers = Object.fromEntries([...this.tallies].map(([id, tally]) => [id, tally.snapshot()]));
    return { gateway: this.gateway, startedAt: this.startedAt, at: now, servers };
  }

  /**
   * The snapshot when anything changed since the last one handed out, or a minute went by (so
   * the control plane knows the gateway is still there); else undefined.
   */
  changed(now: number): GatewayMetricsSnapshot | undefined {
    const snapshot = this.snapshot(now);
    const text = JSON.stringify(snapshot.servers);
    if (text === this.lastSent && now - this.lastSentAt < HEARTBEAT_MS) return undefined;
    this.lastSent = text;
    this.lastSentAt = now;
    return snapshot;
  }
}
