import { Type, type Static } from 'typebox';
import { Href, Id, Name, PageQuery, StringEnum, Timestamp, VersionQuery, collection, collectionExample, named } from '../../schemas.ts';

/** A DNS name (letters, digits, hyphens; dot-separated labels) or an IPv4 or IPv6 address. */
export const HOST_PATTERN = '^(([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?|[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f.]{0,15}){2,8})$';

const JOIN_TOKEN_PATTERN = '^sjt_[A-Za-z0-9_-]{43}$';
const CREDENTIAL_PATTERN = '^sgc_[-0-9a-z_]{1,64}_[A-Za-z0-9_-]{43}$';

export const GatewayId = Type.String({ ...Id, description: 'The gateway identifier.' });
export const GatewayName = Type.String({ ...Name, description: 'Gateway name, unique among gateways.' });
export const Host = Type.String({ pattern: HOST_PATTERN, minLength: 1, maxLength: 253, description: 'Public host VPN clients reach the gateway at: a DNS name or an IP address.' });
const Port = (description: string) => Type.Integer({ minimum: 1, maximum: 65535, description });

const portRangeFields = { min: Port('Lowest port offered.'), max: Port('Highest port offered (at least `min`).') };
const PORT_RANGE_DESCRIPTION = 'Public UDP and TCP ports the gateway offers to VPN servers, both ends included.';

export const PortRangePrototype = named('GatewayPortRangePrototype', Type.Object(portRangeFields, { additionalProperties: false, description: PORT_RANGE_DESCRIPTION }));

type PortRangeWire = Static<typeof PortRangePrototype>;

/** Answered as null when the gateway has no port range. */
export const PortRangeSchema = named('GatewayPortRange', Type.Unsafe<PortRangeWire | null>({ ...Type.Object(portRangeFields), nullable: true, description: `${PORT_RANGE_DESCRIPTION} Null when not set.` }));

/** In a merge patch, null removes the port range. */
export const PortRangePatch = named('GatewayPortRangePatch', Type.Unsafe<PortRangeWire | null>({ ...Type.Object(portRangeFields, { additionalProperties: false }), nullable: true, description: `${PORT_RANGE_DESCRIPTION} Null removes it.` }));

const nullable = <T extends { type?: unknown }>(schema: T, description: string) => Type.Unsafe<string | null>({ ...schema, nullable: true, description });

export const Labels = named('GatewayLabels', Type.Record(Type.String({ minLength: 1, maxLength: 63 }), Type.String({ minLength: 0, maxLength: 256, pattern: '^[^\\x00-\\x1f\\x7f]*$', description: 'Label value.' }), {
  maxProperties: 64,
  description: 'Labels: keys of 1–63 letters, digits, `.`, `_`, `/` or `-`, values of text.',
}));

export const SubnetIdentity = named('GatewaySubnetIdentity', Type.Object(
  { id: Type.String({ ...Id, description: 'Subnet id VPN servers name the gateway by in their `subnets`.' }) },
  { additionalProperties: false, description: 'Identifies the gateway to VPN servers; its own id unless given.' },
));

export const JoinTokenSchema = named('GatewayJoinToken', Type.Object(
  {
    token: Type.String({ pattern: JOIN_TOKEN_PATTERN, minLength: 47, maxLength: 47, description: 'One-time join token; shown only in this answer.' }),
    expires_at: Timestamp,
  },
  { description: 'A join token: the gateway exchanges it, once and within 24 hours, for its credential.', example: { token: 'sjt_Xq3vN8d2Lk5sP0wR7tY1uB4eG6hJ9mZc2aF8kD0pQ1s', expires_at: '2026-12-01T10:00:00.000Z' } },
));

export const GATEWAY = 'r001-5f0c2a1e-8d3b-4c6a-9e7f-1a2b3c4d5e6f';
const BASE = 'https://vpn.example.com/v1';

export const GATEWAY_EXAMPLE = {
  id: GATEWAY,
  href: `${BASE}/gateways/${GATEWAY}`,
  name: 'edge-fra-1',
  host: 'fra1.vpn.example.com',
  port_range: { min: 1194, max: 1294 },
  labels: { region: 'eu-de' },
  subnet: { id: GATEWAY },
  status: 'connected',
  last_seen_at: '2026-11-30T10:15:00.000Z',
  version: '1.4.0',
  vpn_servers: 2,
  connected_clients: 17,
  created_at: '2026-11-30T10:00:00.000Z',
};

export const GatewaySchema = named('Gateway', Type.Object(
  {
    id: GatewayId,
    href: Href,
    name: GatewayName,
    host: Host,
    port_range: PortRangeSchema,
    labels: Labels,
    subnet: SubnetIdentity,
    status: StringEnum(['pending', 'connected', 'disconnected'], '`pending` until it joins; `connected` if heard from in the last 30 s; else `disconnected`.'),
    last_seen_at: nullable(Timestamp, 'When the gateway was last heard from (RFC 3339); null if never.'),
    version: nullable(Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\x00-\\x1f\\x7f]+$' }), 'Agent version it last reported; null if never.'),
    vpn_servers: Type.Integer({ minimum: 0, description: 'VPN servers whose `subnets` name this gateway.' }),
    connected_clients: Type.Integer({ minimum: 0, description: 'Connected clients of those VPN servers.' }),
    created_at: Timestamp,
    join_token: Type.Optional(JoinTokenSchema),
  },
  { description: 'A gateway host that runs VPN servers (Sluice extension).', example: GATEWAY_EXAMPLE },
));

export const GatewayCollection = collection('GatewayCollection', 'gateways', GatewaySchema, 'Gateways, newest first.', collectionExample('/v1/gateways', 'gateways', GATEWAY_EXAMPLE));

export const GatewayPrototype = named('GatewayPrototype', Type.Object(
  {
    name: GatewayName,
    host: Host,
    port_range: Type.Optional(PortRangePrototype),
    labels: Type.Optional(Labels),
    subnet: Type.Optional(SubnetIdentity),
  },
  { additionalProperties: false, description: 'A new gateway.' },
));

export const GatewayPatch = named('GatewayPatch', Type.Object(
  {
    name: Type.Optional(GatewayName),
    host: Type.Optional(Host),
    port_range: Type.Optional(PortRangePatch),
    labels: Type.Optional(Labels),
  },
  { additionalProperties: false, description: 'Gateway patch (JSON merge patch); `labels` replaces every label.' },
));

export const JoinPrototype = named('GatewayJoinPrototype', Type.Object(
  // Any printable text: a malformed token is refused like an unknown one (401), not told apart.
  { join_token: Type.String({ pattern: '^[!-~]+$', minLength: 1, maxLength: 512, description: 'The join token an Administrator was given.' }) },
  { additionalProperties: false, description: 'A gateway\u2019s request to join.' },
));

export const JoinAnswer = named('GatewayJoin', Type.Object(
  {
    gateway: named('GatewayReference', Type.Object({ id: GatewayId, name: GatewayName }, { description: 'The gateway that joined.' })),
    credential: Type.String({ pattern: CREDENTIAL_PATTERN, minLength: 50, maxLength: 112, description: 'The gateway\u2019s long-lived credential; shown only in this answer.' }),
  },
  {
    description: 'The credential a gateway dials the control plane with.',
    example: { gateway: { id: GATEWAY, name: 'edge-fra-1' }, credential: `sgc_${GATEWAY}_Xq3vN8d2Lk5sP0wR7tY1uB4eG6hJ9mZc2aF8kD0pQ1s` },
  },
));

export const ListQuery = Type.Object(PageQuery, { description: 'List parameters.' });
export const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });
export const GatewayParams = Type.Object({ id: GatewayId }, { description: 'Path parameters.' });
export const IfMatchHeaders = Type.Object(
  { 'if-match': Type.Optional(Type.String({ pattern: '^(\\*|(W/)?"[^"]*")$', minLength: 1, maxLength: 256, description: 'ETag from a previous GET; the request fails with 412 when it no longer matches.' })) },
  { description: 'Precondition headers.' },
);
export const Deleted = Type.Null({ description: 'Deleted; its credential no longer works.' });

// The wire types the typed client (src/client) reads and sends, as types only.
export type GatewayWire = Static<typeof GatewaySchema>;
export type GatewayCollectionWire = Static<typeof GatewayCollection>;
export type GatewayPrototypeWire = Static<typeof GatewayPrototype>;
export type GatewayPatchWire = Static<typeof GatewayPatch>;
export type GatewayJoinTokenWire = Static<typeof JoinTokenSchema>;
export type GatewayJoinWire = Static<typeof JoinAnswer>;
