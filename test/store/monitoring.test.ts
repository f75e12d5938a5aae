import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MonitoringRecorder } from '../../src/domain/monitoring/recorder.ts';
import { monitoringSeries, sweepMonitoring } from '../../src/domain/monitoring/series.ts';
import { emptySeries, type GatewayMetricsSnapshot, type ServerSeries } from '../../src/gateway/metrics.ts';
import { testDialects } from '../support/dialects.ts';
import { startHarness } from '../support/app-harness.ts';

const MIN = 60_000;
const HOUR = 3_600_000;

function snapshot(gateway: string, startedAt: number, at: number, servers: Record<string, Partial<ServerSeries>>): GatewayMetricsSnapshot {
  return { gateway, startedAt, at, servers: Object.fromEntries(Object.entries(servers).map(([id, s]) => [id, { ...emptySeries(), ...s }])) };
}

for (const dialect of testDialects()) {
  describe(`monitoring time-series (${dialect})`, () => {
    test('per-minute rows from cumulative reports: peak connected, counters by how much they grew, gateways summed', async () => {
      const h = await startHarness(dialect);
      try {
        const start = h.clock.now() - (h.clock.now() % HOUR);
        h.clock.current = start + 5 * MIN;
        const recorder = new MonitoringRecorder(h.ctx, h.clock.now());
        const t0 = h.clock.now();
        recorder.record(snapshot('a', t0, t0, { s1: { connected: 2, connects: 2, bytesReceived: 100, bytesSent: 1000 } }));
        recorder.record(snapshot('a', t0, t0, { s1: { connected: 3, connects: 3, auth: { allowed: 3, denied: 1, expired: 0 }, bytesReceived: 150, bytesSent: 1500 } }));
        recorder.record(snapshot('b', t0, t0, { s1: { connected: 1, connects: 1 } }));
        await recorder.flush();
        h.clock.advance(MIN);
        recorder.record(snapshot('a', t0, h.clock.now(), { s1: { connected: 1, connects: 3, disconnects: { ...emptySeries().disconnects, client: 2 }, bytesReceived: 170, bytesSent: 1600 } }));
        // A gateway that restarted counts from zero again.
        recorder.record(snapshot('b', h.clock.now(), h.clock.now(), { s1: { connected: 1, connects: 1 } }));
        await recorder.flush();
        h.clock.advance(MIN);
        // A quiet minute still gets its row: the clients are still there.
        await recorder.flush();

        const series = await monitoringSeries(h.ctx, 's1', '1h');
        assert.equal(series.stepMs, MIN);
        assert.equal(series.points.length, 60);
        const at = (t: number) => series.points.find((p) => p.at === t);
        assert.deepEqual(at(start + 5 * MIN), { at: start + 5 * MIN, connected: 4, connects: 4, disconnects: 0, authFailures: 1, bytesReceived: 150, bytesSent: 1500 });
        assert.deepEqual(at(start + 6 * MIN), { at: start + 6 * MIN, connected: 2, connects: 1, disconnects: 2, authFailures: 0, bytesReceived: 20, bytesSent: 100 });
        assert.equal(at(start + 7 * MIN)?.connected, 2);
        assert.equal(at(start + 7 * MIN)?.connects, 0);
        assert.equal(series.points.at(-1)?.at, start + 7 * MIN, 'the last step is the current minute');
      } finally {
        await h.close();
      }
    });

    test('a gateway already running when the control plane started does not dump its past into one minute', async () => {
      const h = await startHarness(dialect);
      try {
        const recorder = new MonitoringRecorder(h.ctx, h.clock.now());
        const long = h.clock.now() - 10 * HOUR;
        recorder.record(snapshot('remote', long, h.clock.now(), { s1: { connected: 5, connects: 900 } }));
        recorder.record(snapshot('remote', long, h.clock.now(), { s1: { connected: 5, connects: 902 } }));
        await recorder.flush();
        const last = (await monitoringSeries(h.ctx, 's1', '1h')).points.at(-1);
        assert.equal(last?.connects, 2);
        assert.equal(last?.connected, 5);
      } finally {
        await h.close();
      }
    });

    test('hours roll up (peak, sums) for the 7-day view; minutes go after 48 hours, hours after the retention', async () => {
      const h = await startHarness(dialect);
      try {
        const hour0 = h.clock.now() - (h.clock.now() % HOUR);
        h.clock.current = hour0;
        const recorder = new MonitoringRecorder(h.ctx, h.clock.now());
        for (let minute = 0; minute < 120; minute += 30) {
          h.clock.current = hour0 + minute * MIN;
          recorder.record(snapshot('a', hour0, h.clock.now(), { s1: { connected: minute === 30 ? 7 : 1, connects: minute + 1 } }));
          await recorder.flush();
        }
        h.clock.current = hour0 + 3 * HOUR;
        await sweepMonitoring(h.ctx, 31 * 86_400_000);
        const week = await monitoringSeries(h.ctx, 's1', '7d');
        assert.equal(week.stepMs, HOUR);
        assert.equal(week.points.length, 168);
        const first = week.points.find((p) => p.at === hour0);
        const second = week.points.find((p) => p.at === hour0 + HOUR);
        assert.deepEqual([first?.connected, first?.connects], [7, 31]);
        assert.deepEqual([second?.connected, second?.connects], [1, 60]);
        const day = await monitoringSeries(h.ctx, 's1', '24h');
        assert.equal(day.points.length, 96);
        assert.equal(day.points.reduce((sum, p) => sum + p.connects, 0), 91);

        h.clock.current = hour0 + 50 * HOUR;
        assert.equal(await sweepMonitoring(h.ctx, 31 * 86_400_000), 4, 'the four minute rows');
        assert.equal((await monitoringSeries(h.ctx, 's1', '7d')).points.reduce((sum, p) => sum + p.connects, 0), 91, 'hour rows stay');
        h.clock.current = hour0 + 32 * 86_400_000;
        assert.equal(await sweepMonitoring(h.ctx, 31 * 86_400_000), 2, 'the two hour rows');
      } finally {
        await h.close();
      }
    });

    test('GET /v1/vpn_servers/{id}/monitoring: every step, Viewer may read it, a bad window is refused', async () => {
      const h = await startHarness(dialect);
      try {
        const server = JSON.parse((await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.40.0.0/16', client_authentication: [{ method: 'certificate' }] } })).body) as { id: string };
        const recorder = new MonitoringRecorder(h.ctx, h.clock.now());
        recorder.record(snapshot('local', h.clock.now(), h.clock.now(), { [server.id]: { connected: 1, connects: 1 } }));
        await recorder.flush();
        const res = await h.call('GET', `/v1/vpn_servers/${server.id}/monitoring?window=24h`, { token: await h.tokenFor('Viewer') });
        assert.equal(res.statusCode, 200, res.body);
        const body = JSON.parse(res.body) as { window: string; step_seconds: number; points: { connected_clients: number; connects: number }[] };
        assert.equal(body.window, '24h');
        assert.equal(body.step_seconds, 900);
        assert.equal(body.points.length, 96);
        assert.deepEqual(body.points.at(-1), { ...body.points.at(-1), connected_clients: 1, connects: 1 });
        assert.equal((await h.call('GET', `/v1/vpn_servers/${server.id}/monitoring?window=2d`)).statusCode, 400);
        assert.equal((await h.call('GET', '/v1/vpn_servers/r001-none/monitoring')).statusCode, 404);
      } finally {
        await h.close();
      }
    });
  });
}
