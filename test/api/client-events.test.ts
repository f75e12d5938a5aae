import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { recordEnded, recordEstablished } from '../../src/domain/clients/lifecycle.ts';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness, VERSION } from '../support/app-harness.ts';

interface StreamEvent {
  id: string;
  data: { seq: number; type: string; client_id: string; client?: { status: string } };
}

/** Reads server-sent events from a fetch body until `count` have arrived. */
async function readEvents(body: ReadableStream<Uint8Array>, count: number): Promise<StreamEvent[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events: StreamEvent[] = [];
  let buffer = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (id && data) events.push({ id, data: JSON.parse(data) as StreamEvent['data'] });
    }
  }
  await reader.cancel();
  return events;
}

for (const dialect of testDialects()) {
  describe(`client event stream (${dialect})`, () => {
    test('connect, disconnect request and end arrive in order; Last-Event-ID resumes after the last seen', async () => {
      const h = await startHarness(dialect);
      const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.80.0.0/16', client_authentication: [{ method: 'certificate' }] } }));
        const streamUrl = `${url}/v1/vpn_servers/${server.id}/client_events?${VERSION}`;
        const headers = { authorization: `Bearer ${h.adminToken}` };
        const stream = await fetch(streamUrl, { headers });
        assert.equal(stream.status, 200);
        assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
        const reading = readEvents(stream.body!, 3);

        const client = await recordEstablished(h.ctx, server.id, { sessionKey: '9:1', clientIp: '10.80.0.2', remoteIp: '127.0.0.1', remotePort: 5000, commonName: 'ivy', username: null, startedAt: h.clock.now() });
        assert.equal((await h.call('POST', `/v1/vpn_servers/${server.id}/clients/${client.id}/disconnect`)).statusCode, 202);
        await recordEnded(h.ctx, server.id, { sessionKey: '9:1', endedAt: h.clock.now(), bytesSent: 1, bytesReceived: 2 });
        const events = await reading;
        assert.deepEqual(events.map((e) => e.data.type), ['connected', 'disconnect_requested', 'disconnected']);
        assert.ok(events.every((e) => e.data.client_id === client.id));
        assert.equal(events[2]?.data.client?.status, 'disconnected');

        const resumed = await fetch(streamUrl, { headers: { ...headers, 'last-event-id': events[0]!.id } });
        const replay = await readEvents(resumed.body!, 2);
        assert.deepEqual(replay.map((e) => e.data.type), ['disconnect_requested', 'disconnected']);

        const viewer = await h.tokenFor('Viewer');
        assert.equal((await fetch(streamUrl, { headers: { authorization: `Bearer ${viewer}` } })).status, 403);
      } finally {
        await h.close();
      }
    });
  });
}
