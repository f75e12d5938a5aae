/**
 * Connection attempts nobody will answer. OpenVPN raises `>CLIENT:CONNECT` once, to whoever holds
 * the management socket at that moment: an attempt that arrived while no agent was attached (the
 * control plane was restarting or had crashed), or whose answer died with the previous agent, is
 * never announced again. It waits for its decision until the handshake window runs out (60 s) and
 * then fails, sometimes with a final AUTH_FAILED.
 *
 * `status` still lists such an attempt, without a tunnel address. After attaching, the agent ends
 * each one that its own connection has not heard of with `client-kill … RESTART`: the client
 * retries at once (after its 1 s restart pause) and the retry's CONNECT reaches the new agent,
 * which decides it like any other. Kicking rather than answering blind keeps one decision path
 * for certificate and username servers alike (the passcode is not in `status`, nor are the ENV
 * facts a decision may need). Pure.
 */
import type { StatusSnapshot } from './status.ts';

/**
 * CIDs of clients in `status` that wait for an auth decision (no tunnel address yet) and whose
 * CONNECT the current management connection has not seen (`heard(cid)` false).
 */
export function unansweredAttempts(status: StatusSnapshot, heard: (cid: number) => boolean): number[] {
  return status.clients
    .filter((client) => client.virtualAddress === undefined && client.virtualIpv6Address === undefined)
    .map((client) => client.cid)
    .filter((cid) => !heard(cid));
}
