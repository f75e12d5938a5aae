import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { Type } from 'typebox';
import { getVpnServer } from '../../../domain/vpn-servers/service.ts';
import { latestClientEvent } from '../../../domain/clients/reads.ts';
import { bearerOf, principalOf } from '../../auth.ts';
import { baseUrl } from '../../paging.ts';
import { ErrorSchema, Id, VersionQuery, errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';
import { StreamHub, type Stream, type StreamCaps } from './hub.ts';

const tags = ['VPN server clients'];

export function registerClientEventRoutes(root: FastifyInstance, services: AppServices, caps: StreamCaps): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const { ctx } = services;
  const hub = new StreamHub(ctx, services.identity, caps, (error) => root.log.warn({ err: error }, 'client event stream failed'));
  root.addHook('onClose', async () => hub.close());

  app.get('/v1/vpn_servers/:vpn_server_id/client_events', {
    config: { action: 'client.read', serverParam: 'vpn_server_id' },
    schema: {
      operationId: 'stream_vpn_server_client_events',
      summary: 'Stream client changes (server-sent events)',
      description: 'Each event has `id` (resume with `Last-Event-ID`), `event: client` and JSON data with `type`, `client_id`, `at`, `actor`, `audit_event_id` (an operator\u2019s disconnect or delete: the audit event of that call) and `client` when the record still exists. The stream ends when its token expires or is revoked or stops allowing this read; open streams are capped per token and per server (429).',
      tags,
      params: Type.Object({ vpn_server_id: Type.String({ ...Id, description: 'The VPN server identifier.' }) }, { description: 'Path parameters.' }),
      querystring: Type.Object(VersionQuery, { description: 'Version parameters.' }),
      headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^\\d{1,15}$', minLength: 1, maxLength: 15, description: 'Resume after this event id.' })) }, { description: 'Resumption header.' }),
      response: {
        200: { description: 'The event stream; it stays open.', content: { 'text/event-stream': { schema: Type.String({ pattern: '^[\\s\\S]*$', minLength: 0, maxLength: Number.MAX_SAFE_INTEGER, description: 'Server-sent events: `id`, `event: client` and `data` lines.' }) } } },
        ...errorResponses,
        429: ErrorSchema,
      },
    },
  }, async (request, reply) => {
    const serverId = request.params.vpn_server_id;
    await getVpnServer(ctx, serverId);
    const resumeFrom = request.headers['last-event-id'];
    const lastSeq = resumeFrom !== undefined ? Number(resumeFrom) : await latestClientEvent(ctx, serverId);
    const token = bearerOf(request);
    const principal = principalOf(request);
    // From here to join nothing awaits, so the caps cannot be overrun by concurrent opens.
    hub.admit(serverId, token);
    if (request.socket.destroyed) {
      reply.hijack();
      return;
    }

    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    out.write(': connected\n\n');
    const stream: Stream = {
      serverId,
      token,
      userId: principal.userId,
      base: baseUrl(request),
      lastSeq,
      write: (text) => void out.write(text),
      end: (reason) => {
        // A comment line every SSE parser skips, then the end: the client sees why and reconnects or stops.
        out.end(`: closed: ${reason.replace(/[\r\n]+/g, ' ')}\n\n`);
      },
    };
    request.raw.on('close', () => hub.leave(stream));
    hub.join(stream);
  });
}
