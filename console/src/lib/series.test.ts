import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectedSeries, sparklinePoints } from './series.ts';
import type { VpnServerClient } from '../../../src/client/types.ts';

const now = Date.parse('2026-11-25T12:00:00.000Z');
const c = (start: string, end?: string): VpnServerClient => ({
  id: start,
  href: `/v1/vpn_servers/s/clients/${start}`,
  resource_type: 'vpn_server_client',
  client_ip: { address: '10.0.0.2' },
  remote_ip: { address: '192.0.2.1' },
  remote_port: 1,
  bytes_sent: 0,
  bytes_received: 0,
  status: end ? 'disconnected' : 'connected',
  created_at: start,
  ...(end ? { disconnected_at: end } : {}),
});

test('counts sessions open at each point of the window', () => {
  const clients = [c('2026-11-25T10:00:00.000Z'), c('2026-11-25T11:30:00.000Z', '2026-11-25T11:45:00.000Z'), c('2026-11-25T11:59:00.000Z')];
  // points at 11:00, 11:15, 11:30, 11:45, 12:00
  assert.deepEqual(connectedSeries(clients, now, 3_600_000, 5), [1, 1, 2, 1, 2]);
  assert.deepEqual(connectedSeries([], now, 3_600_000, 3), [0, 0, 0]);
});

test('sparkline points scale into the box', () => {
  assert.equal(sparklinePoints([0, 2], 10, 10, 0), '0.0,10.0 10.0,0.0');
  assert.equal(sparklinePoints([0, 0], 10, 10, 0), '0.0,10.0 10.0,10.0');
  assert.equal(sparklinePoints([], 10, 10), '');
});
