import type { Reference, VpnServer } from '../../../domain/vpn-servers/model.ts';
import type { ClientAuthenticationSpec, VpnServerSpec } from '../../../domain/vpn-servers/service.ts';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { VpnServer as VpnServerWire } from './schema.ts';

export interface PresentContext {
  base: string;
  /** The host clients reach this server at: its (first) gateway's, else `--public-host`. */
  hostname: string;
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
    hostname: p.hostname,
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

// Wire → domain: a VPNServerPrototype or VPNServerPatch body as the domain's VpnServerSpec.

/** The reference identifies a resource by id, crn or href; any of them will do here. */
export interface ReferenceInput {
  id?: string | undefined;
  crn?: string | undefined;
  href?: string | undefined;
}

export interface ClientAuthenticationInput {
  method: 'certificate' | 'username';
  client_ca?: { crn: string };
  crl?: string;
  identity_provider?: { provider_type: 'iam' };
}

/** The body of a create (VPNServerPrototype) or an update (VPNServerPatch). */
export interface VpnServerInput {
  name?: string;
  certificate?: { crn: string };
  client_authentication?: ClientAuthenticationInput[];
  client_ip_pool?: string;
  client_dns_server_ips?: { address: string }[] | null;
  client_idle_timeout?: number;
  client_auto_delete_timeout?: number;
  client_auto_delete_timeout_seconds?: number;
  enable_split_tunneling?: boolean;
  port?: number;
  protocol?: VpnServer['protocol'];
  subnets?: ReferenceInput[];
  security_groups?: ReferenceInput[];
  resource_group?: ReferenceInput;
}

export function toReference(input: ReferenceInput): Reference {
  const id = input.id ?? input.crn?.split(':').at(-1) ?? input.href?.split('/').at(-1) ?? 'unknown';
  return { id, ...(input.crn !== undefined && { crn: input.crn }), ...(input.href !== undefined && { href: input.href }) };
}

const authenticationSpec = (auth: ClientAuthenticationInput): ClientAuthenticationSpec =>
  auth.method === 'username'
    ? { method: 'username' }
    : { method: 'certificate', ...(auth.client_ca !== undefined && { clientCaCrn: auth.client_ca.crn }), ...(auth.crl !== undefined && { crl: auth.crl }) };

/** Retention in seconds: the Sluice seconds field wins over the reference's hours. */
function autoDeleteSeconds(body: VpnServerInput): number | undefined {
  if (body.client_auto_delete_timeout_seconds !== undefined) return body.client_auto_delete_timeout_seconds;
  if (body.client_auto_delete_timeout !== undefined) return body.client_auto_delete_timeout * 3600;
  return undefined;
}

/** Only the fields the body has; on a merge patch, `client_dns_server_ips: null` clears them. */
export function vpnServerSpecOf(body: VpnServerInput): VpnServerSpec {
  const autoDelete = autoDeleteSeconds(body);
  return {
    ...(body.name !== undefined && { name: body.name }),
    ...(body.certificate !== undefined && { certificateCrn: body.certificate.crn }),
    ...(body.client_authentication !== undefined && { clientAuthentication: body.client_authentication.map(authenticationSpec) }),
    ...(body.client_ip_pool !== undefined && { clientIpPool: body.client_ip_pool }),
    ...(body.client_dns_server_ips !== undefined && { clientDnsServerIps: (body.client_dns_server_ips ?? []).map((d) => d.address) }),
    ...(body.client_idle_timeout !== undefined && { clientIdleTimeout: body.client_idle_timeout }),
    ...(autoDelete !== undefined && { clientAutoDeleteTimeoutSeconds: autoDelete }),
    ...(body.enable_split_tunneling !== undefined && { enableSplitTunneling: body.enable_split_tunneling }),
    ...(body.port !== undefined && { port: body.port }),
    ...(body.protocol !== undefined && { protocol: body.protocol }),
    ...(body.subnets !== undefined && { subnets: body.subnets.map(toReference) }),
    ...(body.security_groups !== undefined && { securityGroups: body.security_groups.map(toReference) }),
    ...(body.resource_group !== undefined && { resourceGroup: toReference(body.resource_group) }),
  };
}
