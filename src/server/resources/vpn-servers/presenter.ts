import type { Reference, VpnServer } from '../../../domain/vpn-servers/model.ts';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { VpnServer as VpnServerWire } from './schema.ts';

export interface PresentContext {
  base: string;
  publicHost: string;
  listenHost: string;
  accountId: string;
  connectedClients: number;
}

const ref = (r: Reference, type: string, base: string, collection: string, accountId: string) => ({
  id: r.id,
  name: r.name ?? r.id,
  crn: r.crn ?? `crn:v1:sluice:private:is:local:a/${accountId}::${type}:${r.id}`,
  href: r.href ?? `${base}/v1/${collection}/${r.id}`,
  resource_type: type,
});

const resourceGroup = (r: Reference, base: string) => ({ href: `${base}/v1/resource_groups/${r.id}`, id: r.id, name: r.name ?? r.id });

/**
 * The reference's ReservedIPReference for the address the server listens on, in its first subnet
 * (Sluice's gateway). Its href has the reference's form; Sluice has no subnet API behind it.
 */
function listenAddress(server: VpnServer, p: PresentContext) {
  const subnet = server.subnets[0]?.id ?? 'local';
  const id = `${server.id}-ip`;
  return { address: p.listenHost, href: `${p.base}/v1/subnets/${subnet}/reserved_ips/${id}`, id, name: `${server.name.slice(0, 53)}-listen-ip`, resource_type: 'subnet_reserved_ip' as const };
}

/** The reference's VPNServer shape, plus Sluice's extensions (which reference clients ignore). */
export function presentVpnServer(server: VpnServer, p: PresentContext): VpnServerWire {
  return {
    certificate: { crn: server.certificateCrn },
    client_authentication: server.clientAuthentication,
    client_auto_delete: true,
    client_auto_delete_timeout: Math.ceil(server.clientAutoDeleteTimeoutSeconds / 3600),
    client_auto_delete_timeout_seconds: server.clientAutoDeleteTimeoutSeconds,
    client_dns_server_ips: server.clientDnsServerIps.map((address) => ({ address })),
    client_idle_timeout: server.clientIdleTimeout,
    client_ip_pool: server.clientIpPool,
    connected_clients: p.connectedClients,
    created_at: toTimestamp(server.createdAt),
    crn: server.crn,
    enable_split_tunneling: server.enableSplitTunneling,
    health_reasons: server.healthReasons,
    health_state: server.healthState,
    hostname: p.publicHost,
    href: `${p.base}/v1/vpn_servers/${server.id}`,
    id: server.id,
    lifecycle_reasons: server.lifecycleReasons,
    lifecycle_state: server.lifecycleState,
    name: server.name,
    port: server.port,
    private_ips: [listenAddress(server, p)],
    protocol: server.protocol,
    resource_group: resourceGroup(server.resourceGroup ?? { id: 'default' }, p.base),
    resource_type: 'vpn_server' as const,
    security_groups: server.securityGroups.map((sg) => ref(sg, 'security_group', p.base, 'security_groups', p.accountId)),
    subnets: server.subnets.map((s) => ref(s, 'subnet', p.base, 'subnets', p.accountId)),
    vpc: ref(server.vpc ?? { id: 'local' }, 'vpc', p.base, 'vpcs', p.accountId),
  };
}
