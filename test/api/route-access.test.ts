import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { recordEnded, recordEstablished } from '../../src/domain/clients/lifecycle.ts';
import { recordLiveTraffic } from '../../src/domain/clients/traffic.ts';
import { recordRouteCounters } from '../../src/domain/vpn-server-routes/service.ts';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness, type Harness } from '../support/app-harness.ts';

async function serverOf(h: Harness): Promise<string> {
  const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.60.0.0/16', client_authentication: [{ method: 'username' }] } }));
  return server.id;
}

const targetOf = (body: string): string | undefined => (JSON.parse(body) as { errors: { target?: { name: string } }[] }).errors[0]?.target?.name;

for (const dialect of testDialects()) {
  describe(`route access and counters (${dialect})`, () => {
    test('a route limited to users and common names says so; the limit can be changed and lifted', async () => {
      const h = await startHarness(dialect);
      try {
        const serverId = await serverOf(h);
        const base = `/v1/vpn_servers/${serverId}/routes`;
        const created = await h.call('POST', base, { body: { destination: '10.1.0.0/16', action: 'translate', access: { users: ['alice', 'alice'], common_names: ['build-agent'] } } });
        assert.equal(created.statusCode, 201, created.body);
        const route = json(created);
        assert.deepEqual(route.access, { users: ['alice'], common_names: ['build-agent'] }, 'duplicates are dropped');
        assert.equal(route.packets, undefined, 'no counters before the gateway counted');
        assert.deepEqual(json(await h.call('GET', `${base}/${route.id}`)).access, route.access);
        const open = json(await h.call('POST', base, { body: { destination: '10.2.0.0/16' } }));
        assert.equal(open.access, undefined, 'absent access = everyone, as in the reference');

        h.gatewayCalls.length = 0;
        const narrowed = await h.call('PATCH', `${base}/${route.id}`, { body: { access: { users: ['bob'] } } });
        assert.equal(narrowed.statusCode, 200, narrowed.body);
        assert.deepEqual(json(narrowed).access, { users: ['bob'], common_names: [] });
        assert.deepEqual(h.gatewayCalls, [`changed ${serverId}`], 'the gateway re-applies at once');
        const lifted = json(await h.call('PATCH', `${base}/${route.id}`, { body: { access: null } }));
        assert.equal(lifted.access, undefined);
        assert.equal(json(await h.call('GET', `${base}/${route.id}`)).access, undefined);
        const renamed = json(await h.call('PATCH', `${base}/${route.id}`, { body: { name: 'office' } }));
        assert.equal(renamed.name, 'office');
      } finally {
        await h.close();
      }
    });

    test('bad access is refused naming the field', async () => {
      const h = await startHarness(dialect);
      try {
        const base = `/v1/vpn_servers/${await serverOf(h)}/routes`;
        const cases: [unknown, number, string][] = [
          [{ destination: '10.1.0.0/16', access: {} }, 400, 'access'],
          [{ destination: '10.1.0.0/16', access: { users: [] } }, 400, 'access'],
          [{ destination: '10.1.0.0/16', action: 'drop', access: { users: ['a'] } }, 400, 'access'],
          [{ destination: '10.1.0.0/16', access: { users: ['ok', 'tab\there'] } }, 400, 'access.users[1]'],
          [{ destination: '10.1.0.0/16', access: { common_names: [' padded'] } }, 400, 'access.common_names[0]'],
          [{ destination: '10.1.0.0/16', access: { groups: ['x'] } }, 400, 'access.groups'],
          [{ destination: '10.1.0.0/16', access: 'alice' }, 400, 'access'],
        ];
        for (const [body, status, target] of cases) {
          const response = await h.call('POST', base, { body });
          assert.equal(response.statusCode, status, `${JSON.stringify(body)} → ${response.body}`);
          assert.equal(targetOf(response.body), target, `${JSON.stringify(body)} → ${response.body}`);
        }
        const drop = json(await h.call('POST', base, { body: { destination: '10.9.0.0/16', action: 'drop' } }));
        const patched = await h.call('PATCH', `${base}/${drop.id}`, { body: { access: { users: ['a'] } } });
        assert.equal(patched.statusCode, 400);
        assert.equal(targetOf(patched.body), 'access');
      } finally {
        await h.close();
      }
    });

    test('counters reported by the gateway appear on the route', async () => {
      const h = await startHarness(dialect);
      try {
        const serverId = await serverOf(h);
        const route = json<{ id: string }>(await h.call('POST', `/v1/vpn_servers/${serverId}/routes`, { body: { destination: '10.1.0.0/16', access: { users: ['alice'] } } }));
        const at = h.clock.now();
        await recordRouteCounters(h.ctx, serverId, at, [
          { routeId: route.id, packets: 12, bytes: 3_456_789_012_345, deniedPackets: 3 },
          { routeId: 'r001-00000000-0000-4000-8000-000000000000', packets: 1, bytes: 1, deniedPackets: 0 },
        ]);
        const counted = json(await h.call('GET', `/v1/vpn_servers/${serverId}/routes/${route.id}`));
        assert.equal(counted.packets, 12);
        assert.equal(counted.bytes, 3_456_789_012_345, 'bytes beyond 32 bits survive');
        assert.equal(counted.denied_packets, 3);
        assert.equal(counted.counted_at, new Date(at).toISOString());
      } finally {
        await h.close();
      }
    });

    test('live traffic moves a connected client\'s byte counts; an ended one keeps its final counts', async () => {
      const h = await startHarness(dialect);
      try {
        const serverId = await serverOf(h);
        const live = await recordEstablished(h.ctx, serverId, { sessionKey: '7:1', clientIp: '10.60.0.2', remoteIp: '203.0.113.1', remotePort: 5000, commonName: null, username: 'alice', startedAt: h.clock.now() });
        const ended = await recordEstablished(h.ctx, serverId, { sessionKey: '7:2', clientIp: '10.60.0.3', remoteIp: '203.0.113.1', remotePort: 5001, commonName: null, username: 'bob', startedAt: h.clock.now() });
        await recordEnded(h.ctx, serverId, { sessionKey: '7:2', endedAt: h.clock.now(), bytesSent: 50, bytesReceived: 60 });
        await recordLiveTraffic(h.ctx, serverId, [
          { sessionKey: '7:1', bytesSent: 1000, bytesReceived: 2000 },
          { sessionKey: '7:2', bytesSent: 1, bytesReceived: 1 },
        ]);
        const a = json(await h.call('GET', `/v1/vpn_servers/${serverId}/clients/${live.id}`));
        assert.deepEqual([a.bytes_sent, a.bytes_received, a.status], [1000, 2000, 'connected']);
        const b = json(await h.call('GET', `/v1/vpn_servers/${serverId}/clients/${ended.id}`));
        assert.deepEqual([b.bytes_sent, b.bytes_received], [50, 60]);
      } finally {
        await h.close();
      }
    });
  });
}
