/** One state-changing API call, as the audit trail keeps it. */
export type AuditOutcome = 'succeeded' | 'refused' | 'rejected' | 'failed';

export interface AuditActor {
  /** Absent when the caller presented no valid token (a refused or anonymous call). */
  userId: string | null;
  userName: string | null;
  apiKeyId: string | null;
  /** The caller's address as the service saw it (behind a trusted proxy: the forwarded one). */
  address: string;
}

export interface AuditTarget {
  /** The kind of resource acted on, e.g. `vpn_server_client`. */
  type: string;
  /** The resource's id, when the call named one or created one. */
  id: string | null;
  /** The VPN server the resource belongs to (or is), for filtering by server. */
  vpnServerId: string | null;
}

export interface AuditEvent {
  id: string;
  at: number;
  requestId: string;
  /** The OpenAPI operation id, e.g. `disconnect_vpn_client`. */
  operation: string;
  method: string;
  /** The concrete path called, without the query string. */
  path: string;
  target: AuditTarget;
  actor: AuditActor;
  outcome: AuditOutcome;
  statusCode: number;
  /** The error catalogue code of a failed call. */
  errorCode: string | null;
}

export interface AuditFilter {
  since?: number;
  until?: number;
  /** A user id or user name. */
  actor?: string;
  /** A resource id: matches the target, or every call on a VPN server when it is a server's id. */
  target?: string;
  operation?: string;
  outcome?: AuditOutcome;
}

/** 2xx succeeded; 401/403/429 refused (who may not, or not now); other 4xx rejected; 5xx failed. */
export function outcomeOf(statusCode: number): AuditOutcome {
  if (statusCode < 400) return 'succeeded';
  if (statusCode === 401 || statusCode === 403 || statusCode === 429) return 'refused';
  return statusCode < 500 ? 'rejected' : 'failed';
}
