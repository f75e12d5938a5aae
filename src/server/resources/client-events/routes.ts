import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { Type } from 'typebox';
import { getVpnServer } from '../../../domain/vpn-servers/service.ts';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import { clientEventsSince, latestClientEventSeq, type StoredClientEvent } from '../../../store/client-events.ts';
import { findClient } from '../../../store/clients.ts';
import { baseUrl } from '../../paging.ts';
import { Id, VersionQuery, errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';
import { presentClient } from '../clients/presenter.ts';

const tags = ['VPN server clients'];
/** Events of other replicas reach this one through the store; this bounds how late they can be. */
const POLL_MS = 1000;
const HEARTBEAT_MS = 15_000;
const BATCH = 500;

export function registerClientEventRoutes(root: FastifyInstance, services: AppServices): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const { ctx } = services;

  app.get('/v1/vpn_servers/:vpn_server_id/client_events', {
    config: { action: 'client.read', serverParam: 'vpn_server_id' },
    schema: {
      operationId: 'stream_vpn_server_client_events',
      summary: 'Stream client changes (server-sent events)',
      description: 'Each event has `id` (resume with `Last-Event-ID`), `event: client` and JSON data with `type`, `client_id`, `at`, `actor`, `audit_event_id` (an operator\u2019s disconnect or delete: the audit event of that call) and `client` when the record still exists.',
      tags,
      params: Type.Object({ vpn_server_id: Type.String({ ...Id, description: 'The VPN server identifier.' }) }, { description: 'Path parameters.' }),
      querystring: Type.Object(VersionQuery, { description: 'Version parameters.' }),
      headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^\\d{1,15}$', minLength: 1, maxLength: 15, description: 'Resume after this event id.' })) }, { description: 'Resumption header.' }),
      response: {
        200: { description: 'The event stream; it stays open.', content: { 'text/event-stream': { schema: Type.String({ pattern: '^[\\s\\S]*$', minLength: 0, maxLength: Number.MAX_SAFE_INTEGER, description: 'Server-sent events: `id`, `event: client` and `data` lines.' }) } } },
        ...errorResponses,
      },
    },
  }, async (request, reply) => {
    const serverId = request.params.vpn_server_id;
    await getVpnServer(ctx, serverId);
    const resumeFrom = request.headers['last-event-id'];
    let lastSeq = resumeFrom !== undefined ? Number(resumeFrom) : await latestClientEventSeq(ctx.store.db, serverId);
    const base = baseUrl(request);

    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    out.write(': connected\n\n');

    const render = async (event: StoredClientEvent): Promise<string> => {
      const client = await findClient(ctx.store.db, serverId, event.clientId);
      const data: Record<string, unknown> = { seq: event.seq, type: event.type, client_id: event.clientId, at: toTimestamp(event.at), actor: event.actor };
      // An operator's disconnect or delete names the audit event of the call that asked for it.
      if (typeof event.data.audit_event_id === 'string') data.audit_event_id = event.data.audit_event_id;
      if (client && client.intent !== 'delete') data.client = presentClient(client, base);
      return `id: ${event.seq}\nevent: client\ndata: ${JSON.stringify(data)}\n\n`;
    };

    let closed = false;
    let pumping = false;
    let again = false;
    const pump = async (): Promise<void> => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          const events = await clientEventsSince(ctx.store.db, serverId, lastSeq, BATCH);
          for (const event of events) {
            if (closed) return;
            out.write(await render(event));
            lastSeq = event.seq;
          }
          if (events.length === BATCH) again = true;
        } while (again && !closed);
      } catch (error) {
        request.log.warn({ err: error }, 'client event stream failed');
        out.end();
      } finally {
        pumping = false;
      }
    };

    const unsubscribe = ctx.bus.subscribe(serverId, () => void pump());
    const poll = setInterval(() => void pump(), POLL_MS);
    const heartbeat = setInterval(() => out.write(': keep-alive\n\n'), HEARTBEAT_MS);
    request.raw.on('close', () => {
      closed = true;
      unsubscribe();
      clearInterval(poll);
      clearInterval(heartbeat);
    });
    void pump();
  });
}
