/**
 * Live byte counts of connected sessions. `bytecount N` makes OpenVPN send `>BYTECOUNT_CLI` for
 * each client with traffic every N seconds; counts are kept here and reported in one request per
 * interval. Those events are driven by traffic and absent when the data channel is offloaded to
 * the kernel (DCO), so when none has come for a while `status 3` is read instead (sparingly: it
 * lists every client).
 */
import type { Logger } from 'pino';
import type { ControlPlaneChannel, SessionTrafficReport } from '../channel.ts';
import { bytecount } from '../core/commands.ts';
import { sessionKeyText } from '../core/sessions.ts';
import type { ManagementConnection } from '../io/management-connection.ts';

export interface TrafficTimers {
  /** `bytecount` interval, seconds. */
  bytecountSeconds: number;
  /** How often collected counts are reported. */
  reportMs: number;
  /** Without any `>BYTECOUNT_CLI` for this long, counts come from `status 3`. */
  statusFallbackMs: number;
}

export const DEFAULT_TRAFFIC_TIMERS: TrafficTimers = { bytecountSeconds: 5, reportMs: 5_000, statusFallbackMs: 30_000 };

export class SessionTraffic {
  private readonly latest = new Map<string, SessionTrafficReport>();
  private connection: ManagementConnection | undefined;
  private lastEventAt = 0;
  private lastStatusAt = 0;
  private lastReportAt = 0;
  private busy = false;

  constructor(
    private readonly serverId: string,
    private readonly channel: ControlPlaneChannel,
    private readonly log: Logger,
    private readonly timers: TrafficTimers,
    private readonly now: () => number,
  ) {}

  attach(connection: ManagementConnection): void {
    this.connection = connection;
    this.lastStatusAt = this.now();
    connection.on('event', (event) => {
      if (event.type !== 'bytecount-cli') return;
      const sessionKey = `${connection.processStart ?? 0}:${event.cid}`;
      this.latest.set(sessionKey, { sessionKey, bytesSent: event.bytesSent, bytesReceived: event.bytesReceived });
      this.lastEventAt = this.now();
    });
    connection.send(bytecount(this.timers.bytecountSeconds)).catch((error: unknown) => this.log.info({ serverId: this.serverId, err: error }, 'bytecount refused'));
  }

  /** The session ended: its final counts come with its end. */
  forget(sessionKey: string): void {
    this.latest.delete(sessionKey);
  }

  tick(): void {
    if (this.busy) return;
    const now = this.now();
    const connection = this.connection;
    const fallback = connection?.isOpen === true && now - Math.max(this.lastEventAt, this.lastStatusAt) >= this.timers.statusFallbackMs;
    const report = this.latest.size > 0 && now - this.lastReportAt >= this.timers.reportMs;
    if (!fallback && !report) return;
    this.busy = true;
    void (async () => {
      if (fallback && connection) await this.readStatus(connection, now);
      if (this.latest.size > 0) await this.report(now);
    })()
      .catch((error: unknown) => this.log.warn({ serverId: this.serverId, err: error }, 'traffic report failed'))
      .finally(() => {
        this.busy = false;
      });
  }

  private async readStatus(connection: ManagementConnection, now: number): Promise<void> {
    this.lastStatusAt = now;
    const status = await connection.status();
    const processStart = connection.processStart ?? 0;
    for (const client of status.clients) {
      if (client.virtualAddress === undefined) continue;
      const sessionKey = sessionKeyText({ processStart, cid: client.cid });
      this.latest.set(sessionKey, { sessionKey, bytesSent: client.bytesSent, bytesReceived: client.bytesReceived });
    }
  }

  private async report(now: number): Promise<void> {
    const sessions = [...this.latest.values()];
    this.latest.clear();
    this.lastReportAt = now;
    await this.channel.request({ type: 'session_traffic', serverId: this.serverId, sessions });
  }
}
