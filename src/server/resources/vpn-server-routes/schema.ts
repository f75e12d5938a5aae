import { Type, type Static } from 'typebox';
import { Cidr, Href, Id, Line, Name, PageQuery, SortQuery, StringEnum, Timestamp, VersionQuery, collection, collectionExample, named } from '../../schemas.ts';
import { HEALTH_STATES, LIFECYCLE_STATES } from '../vpn-servers/schema.ts';

export const Action = StringEnum(['deliver', 'drop', 'translate'], 'What happens to matching packets: deliver keeps the client address, translate NATs it to the gateway, drop drops.');

export const Destination = Cidr('IPv4 CIDR of the destination, unique per server.');

export const RouteReason = (name: string, description: string) =>
  named(name, Type.Object(
    { code: Type.String({ pattern: '^[a-z][a-z0-9]*(_[a-z0-9]+)*$', minLength: 1, maxLength: 64, description: 'Reason code, snake_case.' }), message: Line('Explanation.', 1024), more_info: Type.Optional(Type.String({ ...Href, description: 'Link to documentation about this reason.' })) },
    { description },
  ));

export const AccessUser = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._@+-]*$', description: 'A user ID (username auth).' });

export const AccessCommonName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\x00-\\x1f\\x7f/\\\\]+$', description: 'A client certificate common name (certificate auth).' });

export const accessFields = {
  users: Type.Optional(Type.Array(AccessUser, { minItems: 0, maxItems: 100, description: 'User IDs (username auth) that may use the route.' })),
  common_names: Type.Optional(Type.Array(AccessCommonName, { minItems: 0, maxItems: 100, description: 'Client certificate common names (certificate auth) that may use the route.' })),
};

export const AccessBody = named('VPNServerRouteAccessPrototype', Type.Object(accessFields, { additionalProperties: false, description: 'Sluice extension: only these sessions may use the route; absent = everyone. Enforced by the gateway.' }));
/** In a merge patch, `null` opens the route to everyone again. */

export const AccessPatch = named('VPNServerRouteAccessPatch', Type.Unsafe<{ users?: string[]; common_names?: string[] } | null>({
  ...Type.Object(accessFields, { additionalProperties: false }),
  nullable: true,
  description: 'Sluice extension: only these sessions may use the route; null = everyone again.',
}));

export const AccessSchema = named('VPNServerRouteAccess', Type.Object(
  {
    users: Type.Array(AccessUser, { minItems: 0, maxItems: 100, description: 'User IDs that may use the route.' }),
    common_names: Type.Array(AccessCommonName, { minItems: 0, maxItems: 100, description: 'Certificate common names that may use the route.' }),
  },
  { description: 'Sluice extension: who may use the route; absent = everyone.' },
));

export const Count = (description: string) => Type.Integer({ minimum: 0, description });

export const SERVER = 'r001-8a6c1f0e-3b7d-4c1a-9e55-0f2b6d1c4e7a';

export const ROUTE = 'r001-4c78d351-f51e-4f1b-b26c-77557fd4fc5d';

export const ROUTE_EXAMPLE = {
  action: 'deliver',
  created_at: '2026-11-25T17:27:07.713Z',
  destination: '192.168.10.0/24',
  health_reasons: [],
  health_state: 'ok',
  href: `https://vpn.example.com/v1/vpn_servers/${SERVER}/routes/${ROUTE}`,
  id: ROUTE,
  lifecycle_reasons: [],
  lifecycle_state: 'stable',
  name: 'office-lan',
  resource_type: 'vpn_server_route',
};

export const RouteSchema = named('VPNServerRoute', Type.Object(
  {
    action: Action,
    created_at: Timestamp,
    destination: Destination,
    health_reasons: Type.Array(RouteReason('VPNServerRouteHealthReason', 'Why the health is what it is.'), { minItems: 0, maxItems: 16, description: 'Health reasons.' }),
    health_state: StringEnum([...HEALTH_STATES], 'Health of the route; clients must tolerate new values.'),
    href: Href,
    id: Id,
    lifecycle_reasons: Type.Array(RouteReason('VPNServerRouteLifecycleReason', 'Why the lifecycle state is what it is.'), { minItems: 0, maxItems: 16, description: 'Lifecycle reasons.' }),
    lifecycle_state: StringEnum([...LIFECYCLE_STATES], 'Lifecycle state; clients must tolerate new values.'),
    name: Name,
    resource_type: StringEnum(['vpn_server_route'], 'Resource type.'),
    access: Type.Optional(AccessSchema),
    packets: Type.Optional(Count('Sluice extension: packets from clients this route matched (longest prefix) at the gateway; absent until the gateway counted.')),
    bytes: Type.Optional(Count('Sluice extension: bytes of those packets.')),
    denied_packets: Type.Optional(Count('Sluice extension: of those, packets refused because the session may not use the route.')),
    counted_at: Type.Optional(Timestamp),
  },
  { description: 'A route pushed to clients and enforced by the gateway.', example: ROUTE_EXAMPLE },
));

export const RouteCollection = collection('VPNServerRouteCollection', 'routes', RouteSchema, 'Routes.', collectionExample(`/v1/vpn_servers/${SERVER}/routes`, 'routes', ROUTE_EXAMPLE));

export const RoutePrototype = named('VPNServerRoutePrototype', Type.Object({ destination: Destination, action: Type.Optional(Action), name: Type.Optional(Name), access: Type.Optional(AccessBody) }, { additionalProperties: false, description: 'Route prototype.' }));

export const RoutePatch = named('VPNServerRoutePatch', Type.Object(
  { name: Type.Optional(Name), access: Type.Optional(AccessPatch) },
  { additionalProperties: false, description: 'Route patch (JSON merge patch): the name, and who may use the route (Sluice extension).' },
));

export const ServerId = Type.String({ ...Id, description: 'The VPN server identifier.' });

export const ServerParams = Type.Object({ vpn_server_id: ServerId }, { description: 'Path parameters.' });

export const RouteParams = Type.Object({ vpn_server_id: ServerId, id: Type.String({ ...Id, description: 'The VPN route identifier.' }) }, { description: 'Path parameters.' });

export const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });

export const ROUTE_SORTS = ['created_at', 'name'] as const;

export const ListQuery = Type.Object({ ...PageQuery, sort: SortQuery(ROUTE_SORTS, '-created_at') }, { description: 'List parameters.' });

// The wire types the typed client (src/client) reads, as types only.
export type RouteAccess = Static<typeof AccessSchema>;
export type VpnServerRoute = Static<typeof RouteSchema>;
export type VpnServerRoutePrototype = Static<typeof RoutePrototype>;
export type VpnServerRoutePatch = Static<typeof RoutePatch>;
