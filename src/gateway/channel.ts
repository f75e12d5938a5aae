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
  /** Routes pushed to each client when it connects (no restart needed to change them). */
  routes: { destination: string; action: 'deliver' | 'drop' | 'translate' }[];
  serverCertificatePem: string;
  serverKeyPem: string;
  /** CA clients' certificates must chain to (and that signs nothing else we accept). */
  clientCaPem: string;
  /** Revoked client certificates; re-read by OpenVPN at every new TLS handshake. */
  crlPem: string | undefined;
}

export interface LiveSession {
  sessionKey: string;
  clientIp: string;
  remoteIp: string;
  remotePort: number;
  commonName: string | null;
  username: string | null;
  startedAt: number;
}

export interface EndedSessionReport {
  sessionKey: string;
  endedAt: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface StoredSessionReport {
  sessionKey: string;
  startedAt: number;
  bytesSent: number;
  bytesReceived: number;
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
  | { type: 'authorize'; serverId: string; username: string | undefined; password: string | undefined; commonName: string | undefined }
  | { type: 'pending_kills'; serverId: string }
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
  pending_kills: { kills: { sessionKey: string; reason: string; cause?: KillCause }[] };
  metrics: Record<string, never>;
}

export type AgentReply<R extends AgentRequest> = AgentReplies[R['type']];

/** Notices the control plane pushes; the agent answers none of them and re-reads state instead. */
export type ControlNotice =
  | { type: 'server_changed'; serverId: string }
  | { type: 'server_deleted'; serverId: string }
  | { type: 'kill_requested'; serverId: string };

export interface ControlPlaneChannel {
  request<R extends AgentRequest>(request: R): Promise<AgentReply<R>>;
}
