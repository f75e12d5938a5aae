import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { Type, type Static } from 'typebox';
import { notFound } from '../../../errors/catalogue.ts';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import { Line, StringEnum, Timestamp, VersionQuery, errorResponses, named } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';

const tags = ['Users'];
const LockoutId = Type.String({ pattern: '^[ua]-[0-9a-f]{2,512}$', minLength: 4, maxLength: 514, description: 'Lockout id.' });
const LOCKOUT_EXAMPLE = { id: 'u-6d616c6c6f7279', kind: 'user', subject: 'mallory', failures: 5, locked_until: '2026-11-30T10:15:00.000Z' };
const LockoutSchema = named('VPNLockout', Type.Object(
  {
    id: LockoutId,
    kind: StringEnum(['user', 'address'], 'What is locked out: a user name or a remote address.'),
    subject: Line('The user name or remote address.', 256),
    failures: Type.Integer({ minimum: 0, description: 'Failed VPN username authentications counted in the window.' }),
    locked_until: Timestamp,
  },
  { description: 'A user or remote address refused VPN username authentication after too many failures.' },
));
export type VpnLockout = Static<typeof LockoutSchema>;
const LockoutCollection = named('VPNLockoutCollection', Type.Object(
  { vpn_lockouts: Type.Array(LockoutSchema, { minItems: 0, maxItems: 100_000, description: 'Active lockouts, soonest end first.' }) },
  { description: 'Active lockouts.', example: { vpn_lockouts: [LOCKOUT_EXAMPLE] } },
));
const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });

/** Lockouts after failed VPN username authentications: list and lift (Administrator). */
export function registerLockoutRoutes(root: FastifyInstance, services: AppServices): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const { identity } = services;
  const admin = { action: 'identity.admin' as const };

  app.get('/v1/vpn_lockouts', {
    config: admin,
    schema: {
      operationId: 'list_vpn_lockouts',
      summary: 'List users and addresses locked out of VPN username authentication',
      description: 'Users and remote addresses refused VPN username authentication after too many failures, until the window ends or an Administrator lifts the lockout.',
      tags,
      querystring: Query,
      response: { 200: LockoutCollection, ...errorResponses },
    },
  }, async () => {
    const lockouts = await identity.lockouts.list();
    return { vpn_lockouts: lockouts.map((l) => ({ id: l.id, kind: l.kind, subject: l.subject, failures: l.failures, locked_until: toTimestamp(l.lockedUntil) })) };
  });

  app.delete('/v1/vpn_lockouts/:id', {
    config: admin,
    schema: {
      operationId: 'delete_vpn_lockout',
      summary: 'Lift a lockout',
      description: 'The user or address may try again at once; its failure count starts from zero.',
      tags,
      params: Type.Object({ id: LockoutId }, { description: 'Path parameters.' }),
      querystring: Query,
      response: { 204: Type.Null({ description: 'Lifted.' }), ...errorResponses },
    },
  }, async (request, reply) => {
    if (!(await identity.lockouts.lift(request.params.id))) throw notFound('lockout', request.params.id);
    return reply.code(204).send();
  });
}
