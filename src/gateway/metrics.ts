/**
 * What a gateway reports about the VPN servers it runs, as plain JSON: counters since the agent
 * started and a few gauges. The agent sends a whole snapshot each time (a lost or repeated one
 * costs nothing), and the control plane exposes it with the gateway's name as a label — so a
 * gateway on another host reports its own series the same way.
 */

/** Why a session ended, as far as the gateway can tell (see docs/operations.md). */
export const DISCONNECT_CAUSES = ['client', 'idle_timeout', 'operator_disconnect', 'delete', 'revoke', 'restart'] as const;
export type DisconnectCause = (typeof DISCONNECT_CAUSES)[number];

/** What became of a CONNECT: allowed, denied, or left unanswered until OpenVPN gave up. */
export const AUTH_RESULTS = ['allowed', 'denied', 'expired'] as const;
export type AuthResult = (typeof AUTH_RESULTS)[number];

export const HEALTH_STATES = ['ok', 'degraded', 'faulted', 'inapplicable'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

/** Why the control plane asked the gateway to end a session. */
export type KillCause = 'operator_disconnect' | 'delete' | 'revoke';

export interface ServerSeries {
  /** Sessions live now. */
  connected: number;
  connects: number;
  disconnects: Record<DisconnectCause, number>;
  auth: Record<AuthResult, number>;
  /** Bytes the server received from its clients / sent to them, live sessions included. */
  bytesReceived: number;
  bytesSent: number;
  /** OpenVPN process starts after the first (crashes, configuration changes). */
  restarts: number;
  health: HealthState;
}

export interface GatewayMetricsSnapshot {
  /** The gateway's name (`local` for the one inside `sluice serve`). */
  gateway: string;
  /** When this agent started, unix ms: counters count from there. */
  startedAt: number;
  /** When the snapshot was taken, unix ms. */
  at: number;
  servers: Record<string, ServerSeries>;
}

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export const emptySeries = (): ServerSeries => ({
  connected: 0,
  connects: 0,
  disconnects: zeros(DISCONNECT_CAUSES),
  auth: zeros(AUTH_RESULTS),
  bytesReceived: 0,
  bytesSent: 0,
  restarts: 0,
  health: 'inapplicable',
});
