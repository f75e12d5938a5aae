import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { getVpnServer } from '../../../domain/vpn-servers/service.ts';
import { monitoringSeries } from '../../../domain/monitoring/series.ts';
import { errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';
import { Monitoring, Params, Query } from './schema.ts';
import { presentMonitoring } from './presenter.ts';

const tags = ['VPN servers'];

export function registerMonitoringRoutes(root: FastifyInstance, services: AppServices): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const { ctx } = services;

  app.get('/v1/vpn_servers/:id/monitoring', {
    config: { action: 'vpn_server.read', serverParam: 'id' },
    schema: {
      operationId: 'get_vpn_server_monitoring',
      summary: 'Get the monitoring time-series of a VPN server',
      description: 'Connected clients, connects, disconnects, auth failures and traffic over the last hour, 24 hours or 7 days, as the console\u2019s Monitoring tab shows them.',
      tags,
      params: Params,
      querystring: Query,
      response: { 200: Monitoring, ...errorResponses },
    },
  }, async (request) => {
    await getVpnServer(ctx, request.params.id);
    return presentMonitoring(await monitoringSeries(ctx, request.params.id, request.query.window ?? '1h'));
  });
}
