import { Type, type Static } from 'typebox';
import { IP } from '../vpn-servers/schema.ts';
import { Href, Id, PageQuery, SortQuery, StringEnum, Timestamp, VersionQuery, collection, collectionExample, named } from '../../schemas.ts';

/** Certificate common names and usernames: printable, without slashes (as Sluice's PKI issues them). */
const PRINTABLE = '^[^\\x00-\\x1f\\x7f/\\\\]+$';

const Address = IP;
const CommonName = (description: string) => Type.String({ pattern: PRINTABLE, minLength: 1, maxLength: 64, description });
const Username = (description: string) => Type.String({ pattern: PRINTABLE, minLength: 1, maxLength: 255, description });

const SERVER = 'r001-8a6c1f0e-3b7d-4c1a-9e55-0f2b6d1c4e7a';
const CLIENT = 'r001-038be137-f5e5-4b28-8138-e479eeffd6b7';
const CLIENT_EXAMPLE = {
  bytes_received: 18_432,
  bytes_sent: 52_110,
  client_ip: { address: '172.16.0.2' },
  common_name: 'alice',
  created_at: '2026-11-25T17:27:14.512Z',
  href: `https://vpn.example.com/v1/vpn_servers/${SERVER}/clients/${CLIENT}`,
  id: CLIENT,
  remote_ip: { address: '198.51.100.7' },
  remote_port: 48960,
  resource_type: 'vpn_server_client',
  status: 'connected',
};

export const ClientSchema = named('VPNServerClient', Type.Object(
  {
    client_ip: Address,
    common_name: Type.Optional(CommonName('Certificate common name (certificate auth).')),
    created_at: Timestamp,
    disconnected_at: Type.Optional(Timestamp),
    disconnect_requested_at: Type.Optional(Timestamp),
    href: Href,
    id: Id,
    remote_ip: Address,
    remote_port: Type.Integer({ minimum: 0, maximum: 65535, description: 'Client source port.' }),
    resource_type: StringEnum(['vpn_server_client'], 'Resource type.'),
    status: StringEnum(['connected', 'disconnected'], 'Session status; clients must tolerate new values.'),
    username: Type.Optional(Username('User ID (username auth).')),
    bytes_sent: Type.Integer({ minimum: 0, description: 'Sluice extension: bytes sent to the client.' }),
    bytes_received: Type.Integer({ minimum: 0, description: 'Sluice extension: bytes received from the client.' }),
  },
  { description: 'A VPN client session.', example: CLIENT_EXAMPLE },
));
export type VpnServerClient = Static<typeof ClientSchema>;

export const ClientCollection = collection('VPNServerClientCollection', 'clients', ClientSchema, 'VPN server clients.', collectionExample(`/v1/vpn_servers/${SERVER}/clients`, 'clients', CLIENT_EXAMPLE));
export type VpnServerClientCollection = Static<typeof ClientCollection>;

const ServerId = Type.String({ ...Id, description: 'The VPN server identifier.' });
export const ServerParams = Type.Object({ vpn_server_id: ServerId }, { description: 'Path parameters.' });
export const ClientParams = Type.Object({ vpn_server_id: ServerId, id: Type.String({ ...Id, description: 'The VPN client identifier.' }) }, { description: 'Path parameters.' });
export const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });

export const CLIENT_SORTS = ['created_at'] as const;

export const ListQuery = Type.Object(
  {
    ...PageQuery,
    sort: SortQuery(CLIENT_SORTS, '-created_at'),
    status: Type.Optional(StringEnum(['connected', 'disconnected'], 'Only clients with this status.')),
    username: Type.Optional(Username('Only clients of this user ID.')),
    common_name: Type.Optional(CommonName('Only clients with this common name.')),
  },
  { description: 'List parameters.' },
);

export const BulkDisconnectBody = named('VPNServerClientDisconnectPrototype', Type.Object(
  { username: Type.Optional(Username('Disconnect every session of this user ID.')), common_name: Type.Optional(CommonName('Disconnect every session with this common name.')) },
  { additionalProperties: false, minProperties: 1, description: 'Which sessions to disconnect: a user ID, a common name or both.' },
));

const BulkResult = named('VPNServerClientDisconnectResult', Type.Object(
  { id: Id, href: Href, result: StringEnum(['accepted', 'already_disconnected'], 'What happened to this session.') },
  { description: 'Result for one client.' },
));

export const BulkDisconnectResult = named('VPNServerClientDisconnectResultCollection', Type.Object(
  { clients: Type.Array(BulkResult, { minItems: 0, maxItems: 10_000, description: 'One result per matching client.' }) },
  {
    description: 'Bulk disconnect results.',
    example: { clients: [{ id: CLIENT, href: CLIENT_EXAMPLE.href, result: 'accepted' }] },
  },
));
export type BulkDisconnectResult = Static<typeof BulkDisconnectResult>;

/**
 * The JSON `data` of one `event: client` message on `GET /v1/vpn_servers/{id}/client_events`
 * (Sluice extension). Not in the OpenAPI document (the stream is text), but the one definition the
 * hub writes and the client reads.
 */
export const ClientEventSchema = Type.Object(
  {
    seq: Type.Integer({ minimum: 1, description: 'Event sequence number; also the SSE `id`.' }),
    type: StringEnum(['connected', 'disconnect_requested', 'delete_requested', 'disconnected', 'deleted'], 'What happened; clients must tolerate new values.'),
    client_id: Id,
    at: Timestamp,
    actor: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 256, description: 'Who asked (user id), for requested changes.' }), Type.Null()])),
    audit_event_id: Type.Optional(Type.String({ ...Id, description: 'The audit event of the call that asked for a disconnect or delete.' })),
    client: Type.Optional(ClientSchema),
  },
  { description: 'A change to one VPN client record.' },
);
export type ClientEvent = Static<typeof ClientEventSchema>;
