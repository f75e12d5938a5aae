import { inTransaction } from '../../store/database.ts';
import { saveLiveTraffic } from '../../store/clients.ts';
import type { DomainContext } from '../context.ts';

/**
 * Byte counts of connected sessions, reported by the gateway while they last (OpenVPN's
 * `bytecount`), so `bytes_sent`/`bytes_received` move during a session and not only at its end.
 * Not an audit event: the trail records connects and ends, not every few seconds of traffic.
 */
export async function recordLiveTraffic(ctx: DomainContext, serverId: string, sessions: readonly { sessionKey: string; bytesSent: number; bytesReceived: number }[]): Promise<void> {
  if (sessions.length === 0) return;
  await inTransaction(ctx.store.db, async (trx) => {
    for (const s of sessions) await saveLiveTraffic(trx, serverId, s.sessionKey, s.bytesSent, s.bytesReceived);
  });
}
