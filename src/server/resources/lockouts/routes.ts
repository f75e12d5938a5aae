import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { notFound } from '../../../errors/catalogue.ts';
import { errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';
import { LockoutCollection, LockoutParams, Lifted, Query } from './schema.ts';
import { presentLockout } from './presenter.ts';

const tags = ['Users'];

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
    return { vpn_lockouts: lockouts.map(presentLockout) };
  });

  app.delete('/v1/vpn_lockouts/:id', {
    config: admin,
    schema: {
      operationId: 'delete_vpn_lockout',
      summary: 'Lift a lockout',
      description: 'The user or address may try again at once; its failure count starts from zero.',
      tags,
      params: LockoutParams,
      querystring: Query,
      response: { 204: Lifted, ...errorResponses },
    },
  }, async (request, reply) => {
    if (!(await identity.lockouts.lift(request.params.id))) throw notFound('lockout', request.params.id);
    return reply.code(204).send();
  });
}
