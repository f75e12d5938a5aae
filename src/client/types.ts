/**
 * Wire types of the Sluice API (the reference's VPC shapes plus Sluice's extensions). They describe
 * what the server sends; fields the client does not use are still listed so `--output json` users
 * and the console can rely on them. Unknown enum values are tolerated (`string & {}`).
 */

export type Loose<T extends string> = T | (string & {});

export interface Href {
  href: string;
}

export interface Reason {
  code: string;
  message: string;
  more_info?: string;
}

export interface ResourceRef {
  id: string;
  name?: string;
  crn?: string;
  href?: string;
  resource_type?: string;
  address?: string;
}

export type ClientAuthentication =
  | { method: 'certificate'; client_ca?: { crn: string }; crl?: string }
  | { method: 'username'; identity_provider?: { provider_type: 'iam' } };

export interface VpnServer {
  id: string;
  crn: string;
  href: string;
  name: string;
  resource_type: 'vpn_server';
  certificate: { crn: string };
  client_authentication: ClientAuthentication[];
  client_auto_delete: boolean;
  client_auto_delete_timeout: number;
  /** Sluice extension: retention of disconnected client records in seconds. */
  client_auto_delete_timeout_seconds?: number;
  client_dns_server_ips: { address: string }[];
  client_idle_timeout: number;
  client_ip_pool: string;
  /** Sluice extension. */
  connected_clients?: number;
  created_at: string;
  enable_split_tunneling: boolean;
  health_state: Loose<'ok' | 'degraded' | 'faulted' | 'inapplicable'>;
  health_reasons: Reason[];
  hostname: string;
  lifecycle_state: Loose<'pending' | 'stable' | 'updating' | 'deleting' | 'failed' | 'suspended' | 'waiting'>;
  lifecycle_reasons: Reason[];
  port: number;
  private_ips: ResourceRef[];
  protocol: Loose<'udp' | 'tcp'>;
  resource_group: ResourceRef;
  security_groups: ResourceRef[];
  subnets: ResourceRef[];
  vpc: ResourceRef;
}

export interface VpnServerPrototype {
  name?: string;
  certificate?: { crn: string };
  client_authentication: ClientAuthentication[];
  client_ip_pool: string;
  client_dns_server_ips?: { address: string }[];
  client_idle_timeout?: number;
  client_auto_delete_timeout?: number;
  client_auto_delete_timeout_seconds?: number;
  enable_split_tunneling?: boolean;
  port?: number;
  protocol?: 'udp' | 'tcp';
  subnets?: { id: string }[];
  security_groups?: { id: string }[];
  resource_group?: { id: string };
}

/** JSON merge patch of a server; `null` removes the DNS servers. */
export type VpnServerPatch = Partial<Omit<VpnServerPrototype, 'client_dns_server_ips' | 'security_groups' | 'resource_group'>> & {
  client_dns_server_ips?: { address: string }[] | null;
};

export interface VpnServerClient {
  id: string;
  href: string;
  resource_type: 'vpn_server_client';
  client_ip: { address: string };
  remote_ip: { address: string };
  remote_port: number;
  status: Loose<'connected' | 'disconnected'>;
  created_at: string;
  disconnected_at?: string;
  common_name?: string;
  username?: string;
  /** Sluice extensions. */
  bytes_sent?: number;
  bytes_received?: number;
  disconnect_requested_at?: string;
}

export interface VpnServerRoute {
  id: string;
  href: string;
  name: string;
  resource_type: 'vpn_server_route';
  action: Loose<'deliver' | 'drop' | 'translate'>;
  destination: string;
  created_at: string;
  health_state: string;
  health_reasons: Reason[];
  lifecycle_state: string;
  lifecycle_reasons: Reason[];
  /** Sluice extensions: who may use the route (absent = everyone) and the gateway's counters. */
  access?: RouteAccess;
  packets?: number;
  bytes?: number;
  denied_packets?: number;
  counted_at?: string;
}

/** Users (user IDs) and certificate common names that may use a route. */
export interface RouteAccess {
  users: string[];
  common_names: string[];
}

export interface VpnServerRoutePrototype {
  destination: string;
  action?: 'deliver' | 'drop' | 'translate';
  name?: string;
  access?: Partial<RouteAccess>;
}

/** `access: null` lets everyone use the route again. */
export interface VpnServerRoutePatch {
  name?: string;
  access?: Partial<RouteAccess> | null;
}

export interface Collection {
  first: Href;
  next?: Href;
  limit: number;
  total_count: number;
}

export interface BulkDisconnectResult {
  clients: { id: string; href: string; result: Loose<'accepted' | 'already_disconnected'> }[];
}

export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  token_type: 'Bearer';
  expires_in: number;
  /** Unix seconds. */
  expiration: number;
}

export interface Identity {
  id: string;
  name: string;
  account_id: string;
  roles: { role: string; vpn_server_id?: string | null }[];
}

/** A user or remote address locked out of VPN username authentication (Sluice). */
export interface VpnLockout {
  id: string;
  kind: 'user' | 'address';
  subject: string;
  failures: number;
  locked_until: string;
}

export interface Passcode {
  passcode: string;
  expires_at: string;
}

export type ClientEventType = Loose<'connected' | 'disconnect_requested' | 'delete_requested' | 'disconnected' | 'deleted'>;

export interface ClientEvent {
  seq: number;
  type: ClientEventType;
  client_id: string;
  at: string;
  actor?: string;
  client?: VpnServerClient;
}

export interface ErrorBody {
  errors: { code: string; message: string; more_info?: string; target?: { name: string; type: string; value?: unknown } }[];
  trace?: string;
  status_code?: number;
}

/** Sluice extension: one state-changing API call in the audit trail. */
export interface AuditEvent {
  id: string;
  href: string;
  created_at: string;
  request_id: string;
  operation: string;
  method: string;
  path: string;
  target: { resource_type: string; id?: string; vpn_server_id?: string };
  actor: { user_id?: string; user_name?: string; api_key_id?: string; address: string };
  outcome: Loose<'succeeded' | 'refused' | 'rejected' | 'failed'>;
  status_code: number;
  error_code?: string;
}

export interface AuditEventQuery {
  since?: string;
  until?: string;
  actor?: string;
  target?: string;
  operation?: string;
  outcome?: string;
  sort?: string;
}

/** Sluice extension: the Monitoring tab's time-series of one server. */
export interface MonitoringPoint {
  at: string;
  connected_clients: number;
  connects: number;
  disconnects: number;
  auth_failures: number;
  bytes_received: number;
  bytes_sent: number;
}

export interface VpnServerMonitoring {
  window: '1h' | '24h' | '7d';
  step_seconds: number;
  start: string;
  end: string;
  points: MonitoringPoint[];
}
