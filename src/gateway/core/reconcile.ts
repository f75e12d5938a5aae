/**
 * Reconciliation: compares what the store believes is connected with OpenVPN's own `status 3`.
 * Pure. Run after any (re)attach and now and then, so the store never shows a phantom session nor
 * misses a real one (management events raised while nobody was attached are lost for good).
 */
import type { SessionKey } from './sessions.ts';
import type { StatusClient, StatusSnapshot } from './status.ts';

export interface StoredSession {
  key: SessionKey;
  /** Unix ms, when known: guards against a CID reused by a different session. */
  startedAt?: number | undefined;
}

export interface DiscoveredSession {
  key: SessionKey;
  clientIp: string | undefined;
  remoteIp: string | undefined;
  remotePort: number | undefined;
  commonName: string | undefined;
  username: string | undefined;
  /** Unix ms (status 3's `Connected Since (time_t)`). */
  startedAt: number | undefined;
  bytesReceived: number;
  bytesSent: number;
}

export interface ReconcileResult {
  /** Store sessions OpenVPN no longer lists: mark them disconnected. */
  ended: SessionKey[];
  /** Established sessions OpenVPN lists that the store lacks: record them. */
  discovered: DiscoveredSession[];
}

/**
 * `processStart` is the current epoch of the process `status` came from. A store session matches a
 * status row when the CID and epoch agree and, if both sides know it, the start time agrees too.
 * Clients still waiting for authentication (no virtual address) are neither discovered nor used to
 * keep a store session alive: they are not established.
 */
export function reconcile(stored: readonly StoredSession[], status: StatusSnapshot, processStart: number): ReconcileResult {
  const live = new Map<number, StatusClient>();
  for (const client of status.clients) {
    if (client.virtualAddress !== undefined || client.virtualIpv6Address !== undefined) live.set(client.cid, client);
  }
  const ended: SessionKey[] = [];
  const matched = new Set<number>();
  for (const session of stored) {
    const client = session.key.processStart === processStart ? live.get(session.key.cid) : undefined;
    if (client !== undefined && sameStart(session.startedAt, client.connectedSince)) {
      matched.add(client.cid);
    } else {
      ended.push(session.key);
    }
  }
  const discovered: DiscoveredSession[] = [];
  for (const client of live.values()) {
    if (matched.has(client.cid)) continue;
    discovered.push({
      key: { processStart, cid: client.cid },
      clientIp: client.virtualAddress ?? client.virtualIpv6Address,
      remoteIp: client.realAddress?.ip,
      remotePort: client.realAddress?.port,
      commonName: client.commonName,
      username: client.username,
      startedAt: client.connectedSince,
      bytesReceived: client.bytesReceived,
      bytesSent: client.bytesSent,
    });
  }
  return { ended, discovered };
}

function sameStart(storedMs: number | undefined, statusMs: number | undefined): boolean {
  if (storedMs === undefined || statusMs === undefined) return true;
  // Both come from OpenVPN's whole-second time_unix; allow one second for rounding elsewhere.
  return Math.abs(storedMs - statusMs) <= 1000;
}
