import { Type } from 'typebox';
import { Href, Id, PageQuery, Timestamp, VersionQuery, collection } from '../../schemas.ts';

const Address = Type.Object({ address: Type.String({ description: 'IP address.' }) }, { description: 'An IP address.' });

export const ClientSchema = Type.Object(
  {
    client_ip: Address,
    common_name: Type.Optional(Type.String({ description: 'Certificate common name (certificate auth).' })),
    created_at: Timestamp,
    disconnected_at: Type.Optional(Timestamp),
    disconnect_requested_at: Type.Optional(Timestamp),
    href: Href,
    id: Id,
    remote_ip: Address,
    remote_port: Type.Integer({ description: 'Client source port.' }),
    resource_type: Type.Literal('vpn_server_client', { description: 'Resource type.' }),
    status: Type.String({ description: 'connected or disconnected.' }),
    username: Type.Optional(Type.String({ description: 'User ID (username auth).' })),
    bytes_sent: Type.Integer({ description: 'Sluice extension: bytes sent to the client.' }),
    bytes_received: Type.Integer({ description: 'Sluice extension: bytes received from the client.' }),
  },
  { description: 'A VPN client session.' },
);

export const ClientCollection = collection('clients', ClientSchema, 'VPN server clients.');

export const ServerParams = Type.Object({ vpn_server_id: Id }, { description: 'Path parameters.' });
export const ClientParams = Type.Object({ vpn_server_id: Id, id: Id }, { description: 'Path parameters.' });
export const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });

const Text = (description: string) => Type.String({ minLength: 1, maxLength: 255, description });

export const ListQuery = Type.Object(
  {
    ...PageQuery,
    sort: Type.Optional(Type.String({ maxLength: 32, description: 'created_at or -created_at (default).' })),
    status: Type.Optional(Type.Union([Type.Literal('connected'), Type.Literal('disconnected')], { description: 'Only clients with this status.' })),
    username: Type.Optional(Text('Only clients of this user ID.')),
    common_name: Type.Optional(Text('Only clients with this common name.')),
  },
  { description: 'List parameters.' },
);

export const BulkDisconnectBody = Type.Object(
  { username: Type.Optional(Text('Disconnect every session of this user ID.')), common_name: Type.Optional(Text('Disconnect every session with this common name.')) },
  { additionalProperties: false, minProperties: 1, description: 'Which sessions to disconnect.' },
);

export const BulkDisconnectResult = Type.Object(
  {
    clients: Type.Array(
      Type.Object(
        { id: Id, href: Href, result: Type.String({ description: 'accepted or already_disconnected.' }) },
        { description: 'Result for one client.' },
      ),
      { description: 'One result per matching client.' },
    ),
  },
  { description: 'Bulk disconnect results.' },
);
