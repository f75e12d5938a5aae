import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { fieldError } from '../../../errors/catalogue.ts';
import { getVpnServer } from '../../../domain/vpn-servers/service.ts';
import { clientProfile } from './profile.ts';
import { errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';
import { Params, Query, Profile, ProfilePrototype } from './schema.ts';

const tags = ['VPN servers'];

export function registerProfileRoutes(root: FastifyInstance, services: AppServices): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const { ctx, certificates } = services;

  app.get('/v1/vpn_servers/:id/client_configuration', {
    config: { action: 'client_configuration.read', serverParam: 'id' },
    schema: { operationId: 'get_vpn_server_client_configuration', summary: 'Get the client profile of a VPN server', description: 'The OpenVPN profile (without a client certificate) for this server, as text.', tags, params: Params, querystring: Query, response: { 200: Profile('OpenVPN client profile.'), ...errorResponses } },
  }, async (request, reply) => {
    const server = await getVpnServer(ctx, request.params.id);
    return reply.type('text/plain; charset=utf-8').send(await clientProfile(services, server));
  });

  app.post('/v1/vpn_servers/:id/client_profile', {
    config: { action: 'client_profile.issue', serverParam: 'id' },
    schema: {
      operationId: 'create_vpn_server_client_profile',
      summary: 'Issue a client certificate and return a ready-to-connect profile',
      description: 'Sluice extension: issues a client certificate from the server\u2019s client CA, bound to this server (no other server accepts it), and answers a profile with the certificate and key embedded.',
      tags,
      params: Params,
      querystring: Query,
      body: ProfilePrototype,
      response: { 200: Profile('Ready-to-connect OpenVPN profile with certificate and key.'), ...errorResponses },
    },
  }, async (request, reply) => {
    const server = await getVpnServer(ctx, request.params.id);
    const auth = server.clientAuthentication.find((a) => a.method === 'certificate');
    if (!auth || auth.method !== 'certificate') throw fieldError('invalid_value', 'common_name', `VPN server ${server.name} does not use certificate authentication`);
    // A profile that cannot be made must not leave an issued certificate behind.
    await clientProfile(services, server);
    const cert = await certificates.issue('client', auth.client_ca.crn, request.body.common_name, undefined, { vpnServerId: server.id });
    const profile = await clientProfile(services, server, { certPem: cert.certificatePem, keyPem: await certificates.privateKeyOf(cert) });
    return reply.type('text/plain; charset=utf-8').header('Cache-Control', 'no-store').send(profile);
  });
}
