/**
 * One VPN server's figures on this gateway, kept from session facts and `status` polls: the
 * counters and gauges of metrics.ts. Pure; the caller passes the time.
 *
 * Bytes: OpenVPN reports a session's bytes in `status` while it lives and once more at its
 * DISCONNECT. A server's total is every ended session's final count plus the latest count of each
 * live one, so it grows between polls and never counts a session twice.
 *
 * Why a session ended: a kill this gateway sent says so itself; a process that stopped or
 * restarted ends its sessions as `delete` (the server was deleted) or `restart`; otherwise the
 * client left — on its idle timeout when it carried no tunnel traffic for that long (OpenVPN's
 * `Last Ref`, from the latest poll), else of its own accord.
 */
import { emptySeries, type AuthResult, type DisconnectCause, type HealthState, type KillCause, type ServerSeries } from '../metrics.ts';
import { sessionKeyText } from './sessions.ts';
import type { StatusSnapshot } from './status.ts';

/** Idle exits land this long before the timeout would say (clock granularity, poll timing). */
const IDLE_TOLERANCE_MS = 2000;

interface LiveSession {
  clientIp: string | undefined;
  bytesReceived: number;
  bytesSent: number;
}

export interface EndContext {
  /** The kill this gateway sent for the session, if any. */
  killed: KillCause | undefined;
  /** The OpenVPN process stopped or restarted under the session. */
  processEnded: 'deleted' | 'restarted' | undefined;
  idleTimeoutSeconds: number;
  endedAt: number;
}

export class ServerTally {
  private readonly series: ServerSeries = emptySeries();
  private readonly live = new Map<string, LiveSession>();
  private endedReceived = 0;
  private endedSent = 0;
  private lastRef = new Map<string, number>();

  /** A session reached ESTABLISHED (`counted` false for one found live after a re-attach). */
  established(key: string, clientIp: string | undefined, counted = true): void {
    if (this.live.has(key)) return;
    this.live.set(key, { clientIp, bytesReceived: 0, bytesSent: 0 });
    if (counted) this.series.connects += 1;
  }

  /** A session ended; returns the cause it was counted under (undefined if it was not live here). */
  ended(key: string, bytes: { received: number | undefined; sent: number | undefined }, context: EndContext): DisconnectCause | undefined {
    const session = this.live.get(key);
    if (!session) return undefined;
    this.live.delete(key);
    this.endedReceived += Math.max(bytes.received ?? 0, session.bytesReceived);
    this.endedSent += Math.max(bytes.sent ?? 0, session.bytesSent);
    const cause = causeOf(context, session.clientIp === undefined ? undefined : this.lastRef.get(session.clientIp));
    this.series.disconnects[cause] += 1;
    return cause;
  }

  authDecided(result: AuthResult): void {
    this.series.auth[result] += 1;
  }

  restarted(): void {
    this.series.restarts += 1;
  }

  health(state: HealthState): void {
    this.series.health = state;
  }

  /** Latest byte counts and tunnel activity of the live sessions of process `processStart`. */
  polled(status: StatusSnapshot, processStart: number): void {
    for (const client of status.clients) {
      const session = this.live.get(sessionKeyText({ processStart, cid: client.cid }));
      if (!session) continue;
      session.bytesReceived = Math.max(session.bytesReceived, client.bytesReceived);
      session.bytesSent = Math.max(session.bytesSent, client.bytesSent);
      session.clientIp ??= client.virtualAddress;
    }
    if (status.lastRef) this.lastRef = status.lastRef;
  }

  snapshot(): ServerSeries {
    let received = this.endedReceived;
    let sent = this.endedSent;
    for (const session of this.live.values()) {
      received += session.bytesReceived;
      sent += session.bytesSent;
    }
    return { ...this.series, disconnects: { ...this.series.disconnects }, auth: { ...this.series.auth }, connected: this.live.size, bytesReceived: received, bytesSent: sent };
  }
}

export function causeOf(context: EndContext, lastActivityAt: number | undefined): DisconnectCause {
  if (context.killed) return context.killed;
  if (context.processEnded === 'deleted') return 'delete';
  if (context.processEnded === 'restarted') return 'restart';
  const idleMs = context.idleTimeoutSeconds * 1000;
  if (idleMs > 0 && lastActivityAt !== undefined && context.endedAt - lastActivityAt >= idleMs - IDLE_TOLERANCE_MS) return 'idle_timeout';
  return 'client';
}
