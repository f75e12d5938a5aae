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

export interface VpnClient {
  id: string;
  vpnServerId: string;
  /** `<process start>:<cid>` — OpenVPN's own identity of the session; never user, CN or address. */
  sessionKey: string;
  clientIp: string;
  remoteIp: string;
  remotePort: number;
  commonName: string | null;
  username: string | null;
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

/** Facts the gateway reports when OpenVPN says a session is established. */
export interface EstablishedSession {
  sessionKey: string;
  clientIp: string;
  remoteIp: string;
  remotePort: number;
  commonName: string | null;
  username: string | null;
  startedAt: number;
  /** Serial of the client certificate in any spelling OpenVPN gives (`tls_serial_hex_0`); absent when unknown. */
  certSerial?: string | null | undefined;
}

export interface EndedSession {
  sessionKey: string;
  endedAt: number;
  bytesSent: number;
  bytesReceived: number;
}

export type ClientEventType = 'connected' | 'disconnect_requested' | 'delete_requested' | 'disconnected' | 'deleted';
