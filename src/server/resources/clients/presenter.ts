import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { VpnClient } from '../../../domain/clients/model.ts';
import type { VpnServerClient } from './schema.ts';

/** The reference's VPNServerClient; `disconnected_at` only when disconnected, CN/username only when set. */
export function presentClient(client: VpnClient, base: string): VpnServerClient {
  const out: VpnServerClient = {
    client_ip: { address: client.clientIp },
    created_at: toTimestamp(client.createdAt),
    href: `${base}/v1/vpn_servers/${client.vpnServerId}/clients/${client.id}`,
    id: client.id,
    remote_ip: { address: client.remoteIp },
    remote_port: client.remotePort,
    resource_type: 'vpn_server_client',
    status: client.status,
    bytes_sent: client.bytesSent,
    bytes_received: client.bytesReceived,
  };
  if (client.commonName !== null) out.common_name = client.commonName;
  if (client.username !== null) out.username = client.username;
  if (client.status === 'disconnected' && client.disconnectedAt !== null) out.disconnected_at = toTimestamp(client.disconnectedAt);
  if (client.status === 'connected' && client.intent === 'disconnect' && client.intentAt !== null) {
    out.disconnect_requested_at = toTimestamp(client.intentAt);
  }
  return out;
}
