import type { GatewayMetricsSnapshot, KillCause } from './metrics.ts';

/**
 * The typed messages between the control plane and a gateway agent. Today they travel in memory
 * (the agent runs inside `sluice serve`); the shapes are plain JSON so that a later transport can
 * carry them between hosts, with the agent dialling out to the control plane.
 */

/** Everything an agent needs to run one VPN server, secrets included (never logged). */
export interface ServerSpec {
  id: string;
  name: string;
  /** Changes whenever anything below changes; the agent restarts OpenVPN when it does. */
  revision: string;
  port: number;
  protocol: 'udp' | 'tcp';
  clientIpPool: string;
  dnsServers: string[];
  splitTunnel: boolean;
  idleTimeoutSeconds: number;
  authMethods: { certificate: boolean; username: boolean };
  /**
   * Routes: pushed to each client when it connects, and enforced by the gateway's data plane at
   * once (no restart needed to change them). `access` absent = every session may use the route.
   */
  routes: RouteSpec[];
  serverCertificatePem: string;
  serverKeyPem: string;
  /** CA clients' certificates must chain to (and that signs nothing else we accept). */
  clientCaPem: string;
  /** Revoked client certificates; re-read by OpenVPN at every new TLS handshake. */
  crlPem: string | undefined;
}

export interface RouteSpec {
  id: string;
  destination: string;
  action: 'deliver' | 'drop' | 'translate';
  access?: { users: string[]; commonNames: string[] };
}

/** A session OpenVPN established: the one shape the agent reports and the domain records. */
export interface LiveSession {
  /** `<process start>:<cid>` — OpenVPN's own identity of the session; never user, CN or address. */
  sessionKey: string;
  clientIp: string;
  remoteIp: string;
  remotePort: number;
  commonName: string | null;
  username: string | null;
  startedAt: number;
  /** Serial of the client certificate (`tls_serial_hex_0`); absent when unknown (found by reconciliation). */
  certSerial?: string | null;
}

/** How a session ended, as the agent reports it and the domain records it. */
export interface EndedSessionReport {
  sessionKey: string;
  endedAt: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface StoredSessionReport {
  sessionKey: string;
  startedAt: number;
  /** Where the client connected from: finds the session's end in OpenVPN's log after an outage. */
  remoteIp: string;
  remotePort: number;
  bytesSent: number;
  bytesReceived: number;
}

/** Traffic of a connected session so far (OpenVPN's byte counts), reported while it lasts. */
export interface SessionTrafficReport {
  sessionKey: string;
  bytesSent: number;
  bytesReceived: number;
}

/** A route's counters in the gateway's data plane. */
export interface RouteCounterReport {
  routeId: string;
  /** Packets from clients this route matched (longest prefix), and their bytes. */
  packets: number;
  bytes: number;
  /** Of those, packets refused because the session may not use the route. */
  deniedPackets: number;
}

export interface ServerStateReport {
  lifecycle: 'pending' | 'stable' | 'updating' | 'failed';
  health: 'ok' | 'degraded' | 'faulted' | 'inapplicable';
  reasons: { code: string; message: string }[];
}

/** Requests an agent sends; each has a typed reply in AgentReplies. */
export type AgentRequest =
  | { type: 'list_servers' }
  | { type: 'get_server'; serverId: string }
  | { type: 'server_state'; serverId: string; state: ServerStateReport }
  | { type: 'server_stopped'; serverId: string }
  | { type: 'session_established'; serverId: string; session: LiveSession }
  | { type: 'session_ended'; serverId: string; session: EndedSessionReport }
  /** What the store holds as connected, for the agent to reconcile with OpenVPN's `status`. */
  | { type: 'stored_sessions'; serverId: string }
  | {
      type: 'authorize';
      serverId: string;
      /** Names the attempt, so what it spends (a passcode) can be traced back to it. */
      sessionKey: string;
      username: string | undefined;
      password: string | undefined;
      commonName: string | undefined;
      /** REAUTH (renegotiation of a live session): its passcode is spent; the user is checked, not the passcode. */
      reauth: boolean;
      /** Serial of the client certificate as OpenVPN gives it (`tls_serial_hex_0`), when one was presented. */
      certSerial: string | undefined;
      /** OpenVPN's untrusted_ip(6): failed attempts are counted per remote address. */
      remoteIp?: string | undefined;
    }
  | { type: 'pending_kills'; serverId: string }
  /**
   * The agent ended these attempts before any answer reached them (found waiting after a restart);
   * none became a session, so whatever they spent may be used again.
   */
  | { type: 'attempts_ended'; serverId: string; sessionKeys: string[] }
  | { type: 'session_traffic'; serverId: string; sessions: SessionTrafficReport[] }
  | { type: 'route_counters'; serverId: string; at: number; routes: RouteCounterReport[] }
  /** The gateway's own series (metrics.ts), sent whenever they changed. */
  | { type: 'metrics'; snapshot: GatewayMetricsSnapshot };

export interface AgentReplies {
  list_servers: { serverIds: string[] };
  get_server: { server: ServerSpec | null };
  server_state: Record<string, never>;
  server_stopped: Record<string, never>;
  session_established: Record<string, never>;
  session_ended: Record<string, never>;
  stored_sessions: { sessions: StoredSessionReport[] };
  authorize: { allow: true } | { allow: false; reason: string };
  pending_kills: { kills: KillOrder[] };
  attempts_ended: Record<string, never>;
  session_traffic: Record<string, never>;
  route_counters: Record<string, never>;
  metrics: Record<string, never>;
}

export type AgentReply<R extends AgentRequest> = AgentReplies[R['type']];

/** A disconnect or delete intent for one live session, as the agent carries it out. */
export interface KillOrder {
  sessionKey: string;
  /** Sent to the client with the HALT. */
  reason: string;
  cause?: KillCause;
}

/**
 * Notices the control plane pushes; the agent answers none of them and re-reads state instead.
 * A `kill_requested` with `kills` carries the intents just committed, so the agent kills at once
 * without asking; without `kills` (another replica's intent, a resync) it reads `pending_kills`.
 * Either way the store keeps the intent until the session's end is recorded.
 */
export type ControlNotice =
  | { type: 'server_changed'; serverId: string }
  | { type: 'server_deleted'; serverId: string }
  | { type: 'kill_requested'; serverId: string; kills?: KillOrder[] };

export interface ControlPlaneChannel {
  request<R extends AgentRequest>(request: R): Promise<AgentReply<R>>;
}
