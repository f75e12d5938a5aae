import { Type, type Static } from 'typebox';
import { Href, Id, PageQuery, SortQuery, StringEnum, Timestamp, VersionQuery, collection, collectionExample, named } from '../../schemas.ts';

export const OUTCOMES = ['succeeded', 'refused', 'rejected', 'failed'] as const;

export const OPERATION = Type.String({ pattern: '^[a-z][a-z0-9_]*$', minLength: 1, maxLength: 64, description: 'OpenAPI operation id of the call, e.g. `disconnect_vpn_client`.' });

export const USER_NAME = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._@+-]*$', minLength: 1, maxLength: 128, description: 'User ID (name) of the caller.' });

export const EVENT = 'r001-5e0b8c3a-2f4d-4a61-9c7e-1b2d3e4f5a6b';

export const EVENT_EXAMPLE = {
  id: EVENT,
  href: `https://vpn.example.com/v1/audit_events/${EVENT}`,
  created_at: '2026-11-30T09:12:44.120Z',
  request_id: '0f8b5a4e-3c2d-4e1f-9a8b-7c6d5e4f3a2b',
  operation: 'disconnect_vpn_client',
  method: 'POST',
  path: '/v1/vpn_servers/r001-8a6c1f0e-3b7d-4c1a-9e55-0f2b6d1c4e7a/clients/r001-038be137-f5e5-4b28-8138-e479eeffd6b7/disconnect',
  target: { resource_type: 'vpn_server_client', id: 'r001-038be137-f5e5-4b28-8138-e479eeffd6b7', vpn_server_id: 'r001-8a6c1f0e-3b7d-4c1a-9e55-0f2b6d1c4e7a' },
  actor: { user_id: 'r001-1833f2e4-133b-459a-8489-60e6f82f21cb', user_name: 'admin', api_key_id: 'r001-9d1c7a4e-6f0b-4e2d-8a3c-5b7e9f1d2c4a', address: '198.51.100.20' },
  outcome: 'succeeded',
  status_code: 202,
};

export const Target = named('AuditEventTarget', Type.Object(
  {
    resource_type: Type.String({ pattern: '^[a-z][a-z0-9_]*$', minLength: 1, maxLength: 64, description: 'Kind of resource acted on, e.g. `vpn_server`, `vpn_server_client`, `certificate`, `user`, `token`.' }),
    id: Type.Optional(Type.String({ ...Id, description: 'The resource\u2019s id, when the call named or created one.' })),
    vpn_server_id: Type.Optional(Type.String({ ...Id, description: 'The VPN server the resource is or belongs to.' })),
  },
  { description: 'What the call acted on.' },
));

export const Actor = named('AuditEventActor', Type.Object(
  {
    user_id: Type.Optional(Type.String({ ...Id, description: 'The caller\u2019s user id; absent when no valid token was presented.' })),
    user_name: Type.Optional(USER_NAME),
    api_key_id: Type.Optional(Type.String({ ...Id, description: 'The API key the caller\u2019s token was issued for.' })),
    address: Type.String({ pattern: '^[0-9A-Fa-f.:]+$', minLength: 2, maxLength: 45, description: 'The caller\u2019s IP address (behind a trusted proxy, the forwarded one).' }),
  },
  { description: 'Who made the call.' },
));

export const AuditEventSchema = named('AuditEvent', Type.Object(
  {
    id: Id,
    href: Href,
    created_at: Timestamp,
    request_id: Type.String({ pattern: '^[0-9a-f-]+$', minLength: 1, maxLength: 64, description: 'The request id (X-Request-Id, `trace` of an error, `reqId` in the log).' }),
    operation: OPERATION,
    method: StringEnum(['POST', 'PUT', 'PATCH', 'DELETE'], 'HTTP method of the call.'),
    path: Type.String({ pattern: '^/[^\\s?#]*$', minLength: 1, maxLength: 2048, description: 'Path called, without the query string.' }),
    target: Target,
    actor: Actor,
    outcome: StringEnum([...OUTCOMES], 'succeeded (2xx), refused (401, 403, 429), rejected (other 4xx) or failed (5xx).'),
    status_code: Type.Integer({ minimum: 100, maximum: 599, description: 'HTTP status of the answer.' }),
    error_code: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*$', minLength: 1, maxLength: 64, description: 'Error code (docs/errors.md) of an answer that was not a success.' })),
  },
  { description: 'One state-changing API call.', example: EVENT_EXAMPLE },
));

export const AuditEventCollection = collection('AuditEventCollection', 'audit_events', AuditEventSchema, 'Audit events.', collectionExample('/v1/audit_events', 'audit_events', EVENT_EXAMPLE));

export const SORTS = ['created_at'] as const;

export const ListQuery = Type.Object(
  {
    ...PageQuery,
    sort: SortQuery(SORTS, '-created_at'),
    since: Type.Optional(Type.String({ ...Timestamp, description: 'Only events at or after this time (RFC 3339).' })),
    until: Type.Optional(Type.String({ ...Timestamp, description: 'Only events before this time (RFC 3339).' })),
    actor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._@+-]*$', minLength: 1, maxLength: 128, description: 'Only calls by this user (id or name).' })),
    target: Type.Optional(Type.String({ ...Id, description: 'Only calls on this resource (its id); a VPN server\u2019s id also finds calls on its clients and routes.' })),
    operation: Type.Optional(OPERATION),
    outcome: Type.Optional(StringEnum([...OUTCOMES], 'Only calls with this outcome.')),
  },
  { description: 'List parameters.' },
);

export const Params = Type.Object({ id: Type.String({ ...Id, description: 'The audit event identifier.' }) }, { description: 'Path parameters.' });

export const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });

// The wire types the typed client (src/client) reads, as types only.
export type AuditEventWire = Static<typeof AuditEventSchema>;
export type AuditEventListQuery = Static<typeof ListQuery>;
