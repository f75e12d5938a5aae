import { Type, type Static } from 'typebox';
import { Cidr, Crn, Href, Id, Ipv4, Line, Name, PageQuery, Pem, SortQuery, StringEnum, Timestamp, VersionQuery, collection, collectionExample, named } from '../../schemas.ts';

/** The reference's limits on a VPN server (IBM VPC API), enforced on every request. */
export const LIMITS = {
  clientAuthentication: { min: 1, max: 2 },
  dnsServers: 2,
  subnets: 2,
  securityGroups: 5,
  idleTimeout: { min: 0, max: 28_800 },
  autoDeleteHours: { min: 0, max: 24 },
  port: { min: 1, max: 65_535 },
} as const;

const CRL_MAX = 4_000_000;

export const CertificateInstanceIdentity = named('CertificateInstanceIdentity', Type.Object({ crn: Crn }, { additionalProperties: false, description: 'A certificate, by CRN.' }));
export const CertificateInstanceReference = named('CertificateInstanceReference', Type.Object({ crn: Crn }, { description: 'A certificate instance.' }));

/** The reference identifies a resource by id, crn or href; any of them will do here. */
const identity = (name: string, what: string) =>
  named(name, Type.Object(
    { id: Type.Optional(Id), crn: Type.Optional(Crn), href: Type.Optional(Href) },
    { additionalProperties: false, minProperties: 1, description: `Identifies a ${what} by id, crn or href.` },
  ));
const SubnetIdentity = identity('SubnetIdentity', 'subnet');
const SecurityGroupIdentity = identity('SecurityGroupIdentity', 'security group');
const ResourceGroupIdentity = named('ResourceGroupIdentity', Type.Object({ id: Id }, { additionalProperties: false, description: 'Identifies a resource group by id.' }));

export const IP = named('IPAddress', Type.Object({ address: Ipv4 }, { additionalProperties: false, description: 'An IP address.' }));

const CertificateAuthPrototype = named('VPNServerAuthenticationByCertificatePrototype', Type.Object(
  {
    method: StringEnum(['certificate'], 'Clients present a certificate signed by `client_ca`.'),
    client_ca: Type.Optional(CertificateInstanceIdentity),
    crl: Type.Optional(Pem('PEM CRL of revoked client certificates.', CRL_MAX)),
  },
  { additionalProperties: false, description: 'Certificate authentication.' },
));
const IdentityProviderPrototype = named('VPNServerAuthenticationByUsernameIdProvider', Type.Object(
  { provider_type: StringEnum(['iam'], 'Sluice identity (the reference: IBM IAM).') },
  { additionalProperties: false, description: 'Identity provider.' },
));
const UsernameAuthPrototype = named('VPNServerAuthenticationByUsernamePrototype', Type.Object(
  {
    method: StringEnum(['username'], 'Clients give a user ID and a one-time passcode.'),
    identity_provider: Type.Optional(IdentityProviderPrototype),
  },
  { additionalProperties: false, description: 'Username and passcode authentication.' },
));
const ClientAuthenticationPrototype = named('VPNServerAuthenticationPrototype', Type.Union([CertificateAuthPrototype, UsernameAuthPrototype], { description: 'An authentication method clients must pass.' }));
export type ClientAuthenticationPrototype = Static<typeof ClientAuthenticationPrototype>;
const ClientAuthenticationPrototypes = Type.Array(ClientAuthenticationPrototype, {
  minItems: LIMITS.clientAuthentication.min,
  maxItems: LIMITS.clientAuthentication.max,
  description: 'Methods a client must pass, every one of them.',
});
const DnsIps = Type.Array(IP, { minItems: 0, maxItems: LIMITS.dnsServers, description: 'DNS servers pushed to clients.' });

const writable = {
  name: Type.Optional(Name),
  certificate: Type.Optional(CertificateInstanceIdentity),
  client_authentication: Type.Optional(ClientAuthenticationPrototypes),
  client_ip_pool: Type.Optional(Cidr('IPv4 CIDR, /9 to /22, addresses given to clients; must not overlap 127.0.0.0/8, 169.254.0.0/16 or 224.0.0.0/4.')),
  client_dns_server_ips: Type.Optional(DnsIps),
  client_idle_timeout: Type.Optional(Type.Integer({ minimum: LIMITS.idleTimeout.min, maximum: LIMITS.idleTimeout.max, default: 600, description: 'Seconds of inactivity before a client is dropped; 0 = never.' })),
  client_auto_delete_timeout: Type.Optional(Type.Integer({ minimum: LIMITS.autoDeleteHours.min, maximum: LIMITS.autoDeleteHours.max, description: 'Hours a disconnected client stays listed; 0 = removed at once.' })),
  client_auto_delete_timeout_seconds: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 86400, description: 'Sluice extension: the same retention in seconds; wins over the hours field.' }),
  ),
  enable_split_tunneling: Type.Optional(Type.Boolean({ description: 'Only routes go through the VPN (true) or all traffic (false).' })),
  port: Type.Optional(Type.Integer({ minimum: LIMITS.port.min, maximum: LIMITS.port.max, default: 443, description: 'Port the server listens on.' })),
  protocol: Type.Optional(StringEnum(['udp', 'tcp'], 'Transport protocol.')),
  subnets: Type.Optional(Type.Array(SubnetIdentity, { minItems: 1, maxItems: LIMITS.subnets, description: 'Gateways that run the server (1 = stand-alone, 2 = HA).' })),
};

export const CreateBody = named('VPNServerPrototype', Type.Object(
  {
    ...writable,
    security_groups: Type.Optional(Type.Array(SecurityGroupIdentity, { minItems: 0, maxItems: LIMITS.securityGroups, description: 'Accepted and echoed.' })),
    resource_group: Type.Optional(ResourceGroupIdentity),
  },
  { additionalProperties: false, description: 'VPN server prototype.' },
));
export type VpnServerPrototype = Static<typeof CreateBody>;

export const PatchBody = named('VPNServerPatch', Type.Object(
  {
    ...writable,
    // Merge-patch: null removes the DNS servers. Documented as a nullable array (OpenAPI 3.0).
    client_dns_server_ips: Type.Optional(Type.Unsafe<Static<typeof DnsIps> | null>({ ...DnsIps, nullable: true, description: 'DNS servers pushed to clients; null removes them.' })),
  },
  { additionalProperties: false, description: 'VPN server patch (JSON merge patch).' },
));
export type VpnServerPatch = Static<typeof PatchBody>;

const REASON_CODE = '^[a-z][a-z0-9]*(_[a-z0-9]+)*$';
const reason = (name: string, description: string) =>
  named(name, Type.Object(
    {
      code: Type.String({ pattern: REASON_CODE, minLength: 1, maxLength: 64, description: 'Reason code, snake_case.' }),
      message: Line('Explanation.', 1024),
      more_info: Type.Optional(Type.String({ ...Href, description: 'Link to documentation about this reason.' })),
    },
    { description },
  ));
export const HealthReason = reason('VPNServerHealthReason', 'Why the health is what it is.');
export const LifecycleReason = reason('VPNServerLifecycleReason', 'Why the lifecycle state is what it is.');

export const HEALTH_STATES = ['ok', 'degraded', 'faulted', 'inapplicable'] as const;
export const LIFECYCLE_STATES = ['pending', 'stable', 'updating', 'deleting', 'failed', 'suspended', 'waiting'] as const;

const ClientAuthentication = named('VPNServerAuthentication', Type.Object(
  {
    method: StringEnum(['certificate', 'username'], 'The authentication method.'),
    client_ca: Type.Optional(CertificateInstanceReference),
    crl: Type.Optional(Pem('PEM CRL of revoked client certificates.', CRL_MAX)),
    identity_provider: Type.Optional(IdentityProviderPrototype),
  },
  { description: 'An authentication method: `client_ca` (and `crl`) with `certificate`, `identity_provider` with `username`.' },
));

const ResourceName = Type.String({ pattern: '^[a-zA-Z0-9-_ ]+$', minLength: 1, maxLength: 40, description: 'Name of the resource group.' });
const reference = (name: string, what: string, resourceType?: string) =>
  named(name, Type.Object(
    {
      crn: Crn,
      href: Href,
      id: Id,
      name: Type.String({ ...Name, description: `Name of the ${what}.` }),
      ...(resourceType !== undefined && { resource_type: StringEnum([resourceType], 'Resource type.') }),
    },
    { description: `Reference to a ${what}.` },
  ));
const SubnetReference = reference('SubnetReference', 'subnet', 'subnet');
const SecurityGroupReference = reference('SecurityGroupReference', 'security group');
const VpcReference = reference('VPCReference', 'VPC', 'vpc');
const ResourceGroupReference = named('ResourceGroupReference', Type.Object({ href: Href, id: Id, name: ResourceName }, { description: 'Reference to a resource group.' }));
const ReservedIpReference = named('ReservedIPReference', Type.Object(
  { address: Ipv4, href: Href, id: Id, name: Type.String({ ...Name, description: 'Name of the reserved IP.' }), resource_type: StringEnum(['subnet_reserved_ip'], 'Resource type.') },
  { description: 'An address the VPN server listens on.' },
));

const EXAMPLE_ID = 'r001-8a6c1f0e-3b7d-4c1a-9e55-0f2b6d1c4e7a';
const EXAMPLE_ACCOUNT = '2022ea3d7cfba8b41a61348eb2bfdfb6';
const exampleCrn = (type: string, id: string) => `crn:v1:sluice:private:is:local:a/${EXAMPLE_ACCOUNT}::${type}:${id}`;
const SECRET_CRN = `crn:v1:sluice:private:secrets-manager:local:a/${EXAMPLE_ACCOUNT}::secret:r001-5d039779-a726-49a3-9053-c0c4d6ae981e`;
const BASE = 'https://vpn.example.com/v1';

export const VPN_SERVER_EXAMPLE = {
  certificate: { crn: SECRET_CRN },
  client_authentication: [{ method: 'certificate', client_ca: { crn: SECRET_CRN } }],
  client_auto_delete: true,
  client_auto_delete_timeout: 1,
  client_auto_delete_timeout_seconds: 3600,
  client_dns_server_ips: [{ address: '192.0.2.53' }],
  client_idle_timeout: 600,
  client_ip_pool: '172.16.0.0/16',
  connected_clients: 3,
  created_at: '2026-11-25T17:27:07.120Z',
  crn: exampleCrn('vpn-server', EXAMPLE_ID),
  enable_split_tunneling: true,
  health_reasons: [],
  health_state: 'ok',
  hostname: 'vpn.example.com',
  href: `${BASE}/vpn_servers/${EXAMPLE_ID}`,
  id: EXAMPLE_ID,
  lifecycle_reasons: [],
  lifecycle_state: 'stable',
  name: 'office',
  port: 443,
  private_ips: [{ address: '192.0.2.10', href: `${BASE}/subnets/local/reserved_ips/${EXAMPLE_ID}-ip`, id: `${EXAMPLE_ID}-ip`, name: 'office-listen-ip', resource_type: 'subnet_reserved_ip' }],
  protocol: 'udp',
  resource_group: { href: `${BASE}/resource_groups/default`, id: 'default', name: 'default' },
  resource_type: 'vpn_server',
  security_groups: [],
  subnets: [{ crn: exampleCrn('subnet', 'local'), href: `${BASE}/subnets/local`, id: 'local', name: 'local', resource_type: 'subnet' }],
  vpc: { crn: exampleCrn('vpc', 'local'), href: `${BASE}/vpcs/local`, id: 'local', name: 'local', resource_type: 'vpc' },
};

export const VpnServerSchema = named('VPNServer', Type.Object(
  {
    certificate: CertificateInstanceReference,
    client_authentication: Type.Array(ClientAuthentication, { minItems: LIMITS.clientAuthentication.min, maxItems: LIMITS.clientAuthentication.max, description: 'Authentication methods; a client must pass every one.' }),
    client_auto_delete: Type.Boolean({ description: 'Always true.' }),
    client_auto_delete_timeout: Type.Integer({ minimum: 0, maximum: 24, description: 'Hours a disconnected client stays listed (rounded up).' }),
    client_auto_delete_timeout_seconds: Type.Integer({ minimum: 0, maximum: 86400, description: 'Sluice extension: the exact retention in seconds.' }),
    client_dns_server_ips: Type.Array(IP, { minItems: 0, maxItems: LIMITS.dnsServers, description: 'DNS servers pushed to clients.' }),
    client_idle_timeout: Type.Integer({ minimum: LIMITS.idleTimeout.min, maximum: LIMITS.idleTimeout.max, description: 'Idle timeout in seconds; 0 = never.' }),
    client_ip_pool: Cidr('Client IP pool.'),
    connected_clients: Type.Integer({ minimum: 0, description: 'Sluice extension: clients connected now.' }),
    created_at: Timestamp,
    crn: Crn,
    enable_split_tunneling: Type.Boolean({ description: 'Split tunnelling.' }),
    health_reasons: Type.Array(HealthReason, { minItems: 0, maxItems: 16, description: 'Why the health is what it is.' }),
    health_state: StringEnum([...HEALTH_STATES], 'Health of the server; clients must tolerate new values.'),
    hostname: Type.String({ pattern: '^[A-Za-z0-9.:_-]+$', minLength: 1, maxLength: 255, description: 'Host clients connect to.' }),
    href: Href,
    id: Id,
    lifecycle_reasons: Type.Array(LifecycleReason, { minItems: 0, maxItems: 16, description: 'Why the lifecycle state is what it is.' }),
    lifecycle_state: StringEnum([...LIFECYCLE_STATES], 'Lifecycle state; clients must tolerate new values.'),
    name: Name,
    port: Type.Integer({ minimum: LIMITS.port.min, maximum: LIMITS.port.max, description: 'Port.' }),
    private_ips: Type.Array(ReservedIpReference, { minItems: 0, maxItems: LIMITS.subnets, description: 'Addresses the server listens on.' }),
    protocol: StringEnum(['udp', 'tcp'], 'Transport protocol.'),
    resource_group: ResourceGroupReference,
    resource_type: StringEnum(['vpn_server'], 'Resource type.'),
    security_groups: Type.Array(SecurityGroupReference, { minItems: 0, maxItems: LIMITS.securityGroups, description: 'Accepted and echoed.' }),
    subnets: Type.Array(SubnetReference, { minItems: 1, maxItems: LIMITS.subnets, description: 'Gateways.' }),
    vpc: VpcReference,
  },
  { description: 'A VPN server.', example: VPN_SERVER_EXAMPLE },
));
export type VpnServer = Static<typeof VpnServerSchema>;

export const VPN_SERVER_SORTS = ['created_at', 'name'] as const;

export const ListQuery = Type.Object(
  {
    ...PageQuery,
    name: Type.Optional(Type.String({ ...Name, description: 'Only the server with this name.' })),
    'resource_group.id': Type.Optional(Type.String({ ...Id, description: 'Only servers in this resource group.' })),
    sort: SortQuery(VPN_SERVER_SORTS, '-created_at'),
  },
  { description: 'List parameters.' },
);

export const ServerParams = Type.Object({ id: Type.String({ ...Id, description: 'The VPN server identifier.' }) }, { description: 'Path parameters.' });
export const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });
export const IfMatchHeaders = Type.Object(
  { 'if-match': Type.Optional(Type.String({ pattern: '^(\\*|(W/)?"[^"]*")$', minLength: 1, maxLength: 256, description: 'ETag from a previous GET; the request fails with 412 when it no longer matches.' })) },
  { description: 'Precondition headers.' },
);
export const VpnServerCollection = collection('VPNServerCollection', 'vpn_servers', VpnServerSchema, 'VPN servers.', collectionExample('/v1/vpn_servers', 'vpn_servers', VPN_SERVER_EXAMPLE));
export type VpnServerCollection = Static<typeof VpnServerCollection>;
