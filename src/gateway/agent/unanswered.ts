import type { Logger } from 'pino';
import type { ControlPlaneChannel } from '../channel.ts';
import { unansweredAttempts } from '../core/pending-sessions.ts';
import type { StatusSnapshot } from '../core/status.ts';
import type { ManagementConnection } from '../io/management-connection.ts';

/**
 * After attaching: ends every connection attempt in `status` that waits for an answer nobody will
 * give (see core/pending-sessions.ts), so its client retries at once and is decided by this agent.
 * The control plane hears of them first: a passcode one of them spent becomes valid again before
 * the client's retry presents it. Returns how many were ended.
 */
export async function endUnansweredAttempts(connection: ManagementConnection, status: StatusSnapshot, channel: ControlPlaneChannel, serverId: string, log: Logger): Promise<number> {
  const cids = unansweredAttempts(status, (cid) => connection.tracks(cid));
  if (cids.length === 0) return 0;
  const epoch = connection.processStart ?? 0;
  await channel.request({ type: 'attempts_ended', serverId, sessionKeys: cids.map((cid) => `${epoch}:${cid}`) });
  await Promise.all(
    cids.map((cid) =>
      connection.restartClient(cid, 'the VPN server was restarting; connect again').catch((error: unknown) => {
        // Gone meanwhile (its handshake window ran out): nothing left to end.
        log.info({ serverId, cid, err: error }, 'client-kill of an unanswered attempt refused');
      }),
    ),
  );
  log.info({ serverId, attempts: cids.length }, 'ended connection attempts left unanswered while no agent was attached; their clients retry now');
  return cids.length;
}
