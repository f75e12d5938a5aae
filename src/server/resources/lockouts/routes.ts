import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { Type } from 'typebox';
import { notFound } from '../../../errors/catalogue.ts';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import { VersionQuery, errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';

const tags = ['Users'];
const LockoutId = Type.String({ pattern: '^[ua]-[0-9a-f]{2,512}$', maxLength: 514, description: 'Lockout id.' });
const LockoutSchema = Type.Object(
  {
    id: LockoutId,
    kind: Type.Union([Type.Literal('user'), Type.Literal('address')], { description: 'What is locked out: a user name or a remote address.' }),
    subject: Type.String({ description: 'The user name or remote address.' }),
    failures: Type.Integer({ description: 'Failed VPN username authentications counted in the window.' }),
    locked_until: Type.String({ format: 'date-time', description: 'When the lockout ends by itself.' }),
  },
  { description: 'A user or remote address refused VPN username authentication after too many failures.' },
);

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
      tags,
      querystring: Type.Object(VersionQuery),
      response: { 200: Type.Object({ lockouts: Type.Array(LockoutSchema, { description: 'Active lockouts, soonest end first.' }) }), ...errorResponses },
    },
  }, async () => {
    const lockouts = await identity.lockouts.list();
    return { lockouts: lockouts.map((l) => ({ id: l.id, kind: l.kind, subject: l.subject, failures: l.failures, locked_until: toTimestamp(l.lockedUntil) })) };
  });

  app.delete('/v1/vpn_lockouts/:id', {
    config: admin,
    schema: {
      operationId: 'delete_vpn_lockout',
      summary: 'Lift a lockout',
      description: 'The user or address may try again at once; its failure count starts from zero.',
      tags,
      params: Type.Object({ id: LockoutId }),
      querystring: Type.Object(VersionQuery),
      response: { 204: Type.Null({ description: 'Lifted.' }), ...errorResponses },
    },
  }, async (request, reply) => {
    if (!(await identity.lockouts.lift(request.params.id))) throw notFound('lockout', request.params.id);
    return reply.code(204).send();
  });
}
