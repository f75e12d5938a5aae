import type { LiveSession } from '../../gateway/channel.ts';

/** A VPN client record: one OpenVPN session, from connect until it is deleted. */
export type ClientStatus = 'connected' | 'disconnected';
export type ClientIntent = 'disconnect' | 'delete';
/** Why a disconnect was asked for: by an operator, or because the client's access was revoked. */
export type IntentCause = 'operator' | 'revoke';

/** Where a disconnect or delete came from: the audited request that asked, and why. */
export interface IntentOrigin {
  /** The audit event of the API call; the client events it causes link to it. */
  auditEventId?: string | undefined;
  cause?: IntentCause;
}

export interface VpnClient extends Pick<LiveSession, 'sessionKey' | 'clientIp' | 'remoteIp' | 'remotePort' | 'commonName' | 'username'> {
  id: string;
  vpnServerId: string;
  status: ClientStatus;
  createdAt: number;
  disconnectedAt: number | null;
  deleteAfter: number | null;
  bytesSent: number;
  bytesReceived: number;
  intent: ClientIntent | null;
  intentAt: number | null;
  intentBy: string | null;
  /** Serial (lowercase hex) of the client certificate, so revoking it ends exactly its sessions. */
  certSerial: string | null;
  /** Set with a disconnect intent; absent on records written before it existed. */
  intentCause?: IntentCause | null;
}

/**
 * A session's facts as the gateway reports them: one wire shape (src/gateway/channel.ts), written
 * there and read here, so the agent and the domain cannot drift apart.
 */
export type { LiveSession as EstablishedSession, EndedSessionReport as EndedSession } from '../../gateway/channel.ts';

export type ClientEventType = 'connected' | 'disconnect_requested' | 'delete_requested' | 'disconnected' | 'deleted';
