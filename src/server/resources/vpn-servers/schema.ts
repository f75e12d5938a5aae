import { Type } from 'typebox';
import { Crn, Href, Id, Ipv4, Name, PageQuery, Timestamp, VersionQuery, collection } from '../../schemas.ts';

const CrnRef = Type.Object({ crn: Crn }, { additionalProperties: false, description: 'A certificate, by CRN.' });
const Identity = Type.Object(
  { id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), crn: Type.Optional(Crn), href: Type.Optional(Href) },
  { additionalProperties: false, minProperties: 1, description: 'Identifies a resource by id, crn or href.' },
);

const CertificateAuth = Type.Object(
  {
    method: Type.Literal('certificate', { description: 'Clients present a certificate signed by `client_ca`.' }),
    client_ca: Type.Optional(CrnRef),
    crl: Type.Optional(Type.String({ minLength: 1, maxLength: 4_000_000, description: 'PEM CRL of revoked client certificates.' })),
  },
  { additionalProperties: false, description: 'Certificate authentication.' },
);
const UsernameAuth = Type.Object(
  {
    method: Type.Literal('username', { description: 'Clients give a user ID and a one-time passcode.' }),
    identity_provider: Type.Optional(
      Type.Object({ provider_type: Type.Literal('iam', { description: 'Sluice identity.' }) }, { additionalProperties: false, description: 'Identity provider.' }),
    ),
  },
  { additionalProperties: false, description: 'Username and passcode authentication.' },
);
const ClientAuthentication = Type.Array(Type.Union([CertificateAuth, UsernameAuth]), {
  minItems: 1,
  maxItems: 2,
  description: 'Methods a client must pass, every one of them.',
});
const DnsIps = Type.Array(Type.Object({ address: Ipv4 }, { additionalProperties: false }), {
  maxItems: 2,
  description: 'DNS servers pushed to clients.',
});

const writable = {
  name: Type.Optional(Name),
  certificate: Type.Optional(CrnRef),
  client_authentication: Type.Optional(ClientAuthentication),
  client_ip_pool: Type.Optional(Type.String({ minLength: 9, maxLength: 18, description: 'IPv4 CIDR, /9 to /22, addresses given to clients.' })),
  client_dns_server_ips: Type.Optional(DnsIps),
  client_idle_timeout: Type.Optional(Type.Integer({ minimum: 0, maximum: 28800, description: 'Seconds of inactivity before a client is dropped; 0 = never.' })),
  client_auto_delete_timeout: Type.Optional(Type.Integer({ minimum: 0, maximum: 24, description: 'Hours a disconnected client stays listed; 0 = removed at once.' })),
  client_auto_delete_timeout_seconds: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 86400, description: 'Sluice extension: the same retention in seconds; wins over the hours field.' }),
  ),
  enable_split_tunneling: Type.Optional(Type.Boolean({ description: 'Only routes go through the VPN (true) or all traffic (false).' })),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Port the server listens on.' })),
  protocol: Type.Optional(Type.Union([Type.Literal('udp'), Type.Literal('tcp')], { description: 'Transport protocol.' })),
  subnets: Type.Optional(Type.Array(Identity, { minItems: 1, maxItems: 2, description: 'Gateways that run the server (1 = stand-alone, 2 = HA).' })),
};

export const CreateBody = Type.Object(
  {
    ...writable,
    security_groups: Type.Optional(Type.Array(Identity, { maxItems: 5, description: 'Accepted and echoed.' })),
    resource_group: Type.Optional(Identity),
  },
  { additionalProperties: false, description: 'VPN server prototype.' },
);

export const PatchBody = Type.Object(
  { ...writable, client_dns_server_ips: Type.Optional(Type.Union([DnsIps, Type.Null()])) },
  { additionalProperties: false, description: 'VPN server patch (JSON merge patch).' },
);

const Reason = Type.Object(
  { code: Type.String({ description: 'Reason code.' }), message: Type.String({ description: 'Explanation.' }), more_info: Type.Optional(Type.String({ description: 'Link.' })) },
  { description: 'A reason.' },
);
const ResourceRef = Type.Object(
  {
    id: Type.String({ description: 'Id.' }),
    name: Type.Optional(Type.String({ description: 'Name.' })),
    crn: Type.Optional(Type.String({ description: 'CRN.' })),
    href: Type.Optional(Type.String({ description: 'URL.' })),
    resource_type: Type.Optional(Type.String({ description: 'Type.' })),
  },
  { description: 'Reference to a resource.' },
);

export const VpnServerSchema = Type.Object(
  {
    certificate: Type.Object({ crn: Crn }, { description: 'Server certificate.' }),
    client_authentication: Type.Array(
      Type.Object(
        {
          method: Type.String({ description: 'certificate or username.' }),
          client_ca: Type.Optional(Type.Object({ crn: Crn }, { description: 'Client CA.' })),
          crl: Type.Optional(Type.String({ description: 'CRL PEM.' })),
          identity_provider: Type.Optional(Type.Object({ provider_type: Type.String({ description: 'iam.' }) }, { description: 'Provider.' })),
        },
        { description: 'An authentication method.' },
      ),
      { description: 'Authentication methods.' },
    ),
    client_auto_delete: Type.Boolean({ description: 'Always true.' }),
    client_auto_delete_timeout: Type.Integer({ description: 'Hours a disconnected client stays listed (rounded up).' }),
    client_auto_delete_timeout_seconds: Type.Integer({ description: 'Sluice extension: the exact retention in seconds.' }),
    client_dns_server_ips: Type.Array(Type.Object({ address: Type.String({ description: 'IPv4 address.' }) }, { description: 'DNS server.' }), { description: 'DNS servers.' }),
    client_idle_timeout: Type.Integer({ description: 'Idle timeout in seconds.' }),
    client_ip_pool: Type.String({ description: 'Client IP pool.' }),
    connected_clients: Type.Integer({ description: 'Sluice extension: clients connected now.' }),
    created_at: Timestamp,
    crn: Crn,
    enable_split_tunneling: Type.Boolean({ description: 'Split tunnelling.' }),
    health_reasons: Type.Array(Reason, { description: 'Why the health is what it is.' }),
    health_state: Type.String({ description: 'ok, degraded, faulted or inapplicable.' }),
    hostname: Type.String({ description: 'Host clients connect to.' }),
    href: Href,
    id: Id,
    lifecycle_reasons: Type.Array(Reason, { description: 'Why the lifecycle state is what it is.' }),
    lifecycle_state: Type.String({ description: 'pending, stable, updating, deleting, failed, …' }),
    name: Name,
    port: Type.Integer({ description: 'Port.' }),
    private_ips: Type.Array(Type.Object({ id: Type.String({ description: 'Id.' }), address: Type.String({ description: 'IP address.' }), resource_type: Type.String({ description: 'Type.' }) }), { description: 'Addresses the server listens on.' }),
    protocol: Type.String({ description: 'udp or tcp.' }),
    resource_group: ResourceRef,
    resource_type: Type.Literal('vpn_server', { description: 'Resource type.' }),
    security_groups: Type.Array(ResourceRef, { description: 'Accepted and echoed.' }),
    subnets: Type.Array(ResourceRef, { description: 'Gateways.' }),
    vpc: ResourceRef,
  },
  { description: 'A VPN server.' },
);

export const ListQuery = Type.Object(
  {
    ...PageQuery,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 63, description: 'Only the server with this name.' })),
    'resource_group.id': Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only servers in this resource group.' })),
    sort: Type.Optional(Type.String({ maxLength: 32, description: 'created_at, -created_at, name or -name.' })),
  },
  { description: 'List parameters.' },
);

export const ServerParams = Type.Object({ id: Id }, { description: 'Path parameters.' });
export const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });
export const VpnServerCollection = collection('vpn_servers', VpnServerSchema, 'VPN servers.');
