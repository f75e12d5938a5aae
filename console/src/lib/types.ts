/** The API shapes the console reads (reference fields plus Sluice extensions). */
export interface Reason {
  code: string;
  message: string;
  more_info?: string;
}

export interface VpnServer {
  id: string;
  name: string;
  href: string;
  crn: string;
  created_at: string;
  lifecycle_state: string;
  lifecycle_reasons: Reason[];
  health_state: string;
  health_reasons: Reason[];
  client_ip_pool: string;
  port: number;
  protocol: string;
  hostname: string;
  enable_split_tunneling: boolean;
  client_idle_timeout: number;
  client_auto_delete: boolean;
  client_auto_delete_timeout: number;
  client_auto_delete_timeout_seconds?: number;
  client_dns_server_ips: { address: string }[];
  client_authentication: {
    method: string;
    client_ca?: { crn: string };
    crl?: string;
    identity_provider?: { provider_type: string };
  }[];
  certificate: { crn: string };
  connected_clients?: number;
  subnets?: { id: string; name?: string }[];
  security_groups?: { id: string; name?: string }[];
  resource_group?: { id: string; name?: string };
  vpc?: { id: string; name?: string };
  private_ips?: { address?: string }[];
}

export interface VpnClient {
  id: string;
  href?: string;
  resource_type?: string;
  client_ip: { address: string };
  remote_ip: { address: string };
  remote_port: number;
  status: string;
  created_at: string;
  disconnected_at?: string;
  common_name?: string;
  username?: string;
  bytes_sent?: number;
  bytes_received?: number;
  disconnect_requested_at?: string;
}

export interface VpnRoute {
  id: string;
  name: string;
  destination: string;
  action: string;
  created_at: string;
  lifecycle_state: string;
  health_state?: string;
  href?: string;
}

export type ClientEventType = 'connected' | 'disconnect_requested' | 'delete_requested' | 'disconnected' | 'deleted';

export interface ClientEvent {
  seq: number;
  type: ClientEventType | string;
  client_id: string;
  at: string | number;
  actor?: string | null;
  client?: VpnClient;
}

export interface Me {
  id: string;
  name: string;
  account_id?: string;
  roles?: { role: string; vpn_server_id?: string }[];
}
