/**
 * Row shapes of every table. Timestamps are epoch milliseconds (integers) in both dialects so that
 * arithmetic (retention, expiry) and ordering are the same everywhere. JSON columns hold text.
 */
import type { Generated, Kysely, Transaction } from 'kysely';

export interface VpnServerRow {
  id: string;
  name: string;
  crn: string;
  certificate_crn: string;
  client_authentication: string;
  client_auto_delete_timeout_s: number;
  client_dns_server_ips: string;
  client_idle_timeout: number;
  client_ip_pool: string;
  enable_split_tunneling: number;
  port: number;
  protocol: string;
  lifecycle_state: string;
  lifecycle_reasons: string;
  health_state: string;
  health_reasons: string;
  subnets: string;
  security_groups: string;
  vpc: string | null;
  resource_group: string | null;
  revision: number;
  created_at: number;
  updated_at: number;
}

export interface VpnServerRouteRow {
  id: string;
  vpn_server_id: string;
  name: string;
  destination: string;
  action: string;
  lifecycle_state: string;
  health_state: string;
  created_at: number;
  /** JSON `{"users":[…],"common_names":[…]}`; null = everyone. */
  access: string | null;
  packets: Generated<number>;
  bytes: Generated<number>;
  denied_packets: Generated<number>;
  counted_at: number | null;
}

export interface VpnServerClientRow {
  id: string;
  vpn_server_id: string;
  session_key: string;
  client_ip: string;
  remote_ip: string;
  remote_port: number;
  common_name: string | null;
  username: string | null;
  status: string;
  created_at: number;
  disconnected_at: number | null;
  delete_after: number | null;
  bytes_sent: number;
  bytes_received: number;
  intent: string | null;
  intent_at: number | null;
  intent_by: string | null;
  /** Serial (lowercase hex) of the client certificate the session presented; null when unknown. */
  cert_serial: string | null;
  intent_cause: string | null;
}

export interface ClientEventRow {
  seq: Generated<number>;
  vpn_server_id: string;
  client_id: string;
  type: string;
  at: number;
  actor: string | null;
  data: string;
}

export interface UserRow {
  id: string;
  name: string;
  disabled: number;
  created_at: number;
  /** Epoch ms; tokens issued at or before it are refused (set when the user is disabled). */
  tokens_valid_after: Generated<number>;
}

export interface TokenFamilyRow {
  id: string;
  user_id: string;
  api_key_id: string;
  /** The one refresh token of the family that may still be used. */
  refresh_id: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface RateLimitRow {
  key: string;
  hits: number;
  reset_at: number;
}

export interface ApiKeyRow {
  id: string;
  user_id: string;
  name: string;
  key_hash: string;
  created_at: number;
}

export interface RoleBindingRow {
  id: string;
  user_id: string;
  role: string;
  vpn_server_id: string | null;
}

export interface PasscodeRow {
  id: string;
  user_id: string;
  passcode_hash: string;
  expires_at: number;
  used_at: number | null;
  /** The attempt that spent it: server id and OpenVPN session key (`<process start>:<cid>`). */
  used_by_server: string | null;
  used_by_session: string | null;
}

export interface CertificateRow {
  id: string;
  crn: string;
  name: string;
  kind: string;
  issuer_id: string | null;
  serial: string;
  subject_cn: string;
  not_before: number;
  not_after: number;
  certificate_pem: string;
  intermediate_pem: string | null;
  private_key_sealed: string | null;
  revoked_at: number | null;
  revocation_reason: string | null;
  created_at: number;
  /** The VPN server a client certificate was issued for; it opens no other. */
  vpn_server_id: string | null;
  /** 1: issued before certificates were bound, so it is bound to the first server it connects to. */
  bind_on_first_use: number;
  /** Set when deleted: the row stays (revoked, on its CA's CRL) until the certificate expires. */
  deleted_at: number | null;
}

export interface AuditEventRow {
  id: string;
  at: number;
  request_id: string;
  operation: string;
  method: string;
  path: string;
  target_type: string;
  target_id: string | null;
  vpn_server_id: string | null;
  actor_user_id: string | null;
  actor_user_name: string | null;
  actor_api_key_id: string | null;
  actor_address: string;
  outcome: string;
  status_code: number;
  error_code: string | null;
}

/** One gateway's figures for one VPN server over one step (a minute, or an hour once rolled up). */
export interface MonitoringSampleRow {
  vpn_server_id: string;
  step_ms: number;
  at: number;
  gateway: string;
  connected: number;
  connects: number;
  disconnects: number;
  auth_failures: number;
  bytes_received: number;
  bytes_sent: number;
}

/** A gateway host; the join token and the credential's secret are kept only as `sha256:` hashes. */
export interface GatewayRow {
  id: string;
  name: string;
  host: string;
  port_min: number | null;
  port_max: number | null;
  /** JSON object, string → string. */
  labels: string;
  subnet_id: string;
  join_token_hash: string | null;
  join_expires_at: number | null;
  credential_hash: string | null;
  /** `sgc_<id>_` plus the secret's first characters, to tell credentials apart without the secret. */
  credential_prefix: string | null;
  last_seen_at: number | null;
  version: string | null;
  created_at: number;
  revision: number;
}

export interface SettingRow {
  key: string;
  value: string;
}

export interface VpnServerGatewayStateRow {
  vpn_server_id: string;
  gateway_id: string;
  lifecycle: string;
  health: string;
  /** JSON array of `{ code, message }`. */
  reasons: string;
  /** 1 while the gateway is connected to a replica, 0 once its connection closed. */
  reachable: number;
  /** The gateway process run (its hello's `instance`) that reported this state. */
  instance: string;
  reported_at: number;
}

export interface Database {
  vpn_servers: VpnServerRow;
  vpn_server_routes: VpnServerRouteRow;
  vpn_server_clients: VpnServerClientRow;
  client_events: ClientEventRow;
  users: UserRow;
  api_keys: ApiKeyRow;
  role_bindings: RoleBindingRow;
  passcodes: PasscodeRow;
  certificates: CertificateRow;
  settings: SettingRow;
  token_families: TokenFamilyRow;
  rate_limits: RateLimitRow;
  audit_events: AuditEventRow;
  monitoring_samples: MonitoringSampleRow;
  vpn_server_gateway_states: VpnServerGatewayStateRow;
  gateways: GatewayRow;
}

export type Db = Kysely<Database>;
/** Store functions take an executor so the domain can compose them inside one transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;
