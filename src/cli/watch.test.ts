import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VpnServerClient } from '../client/types.ts';
import { applyEvent, sorted } from './watch.ts';

const record = (id: string, patch: Partial<VpnServerClient> = {}): VpnServerClient => ({
  id,
  href: `http://x/${id}`,
  resource_type: 'vpn_server_client',
  client_ip: { address: '10.8.0.2' },
  remote_ip: { address: '198.51.100.1' },
  remote_port: 1194,
  bytes_sent: 0,
  bytes_received: 0,
  status: 'connected',
  created_at: `2026-11-25T12:00:0${id.slice(-1)}.000Z`,
  username: 'alice',
  ...patch,
});
const event = (type: string, client?: VpnServerClient, id = client?.id ?? 'c1') => ({ seq: 1, type, client_id: id, at: '2026-11-25T12:00:00.000Z', ...(client ? { client } : {}) });

test('events add, update and remove rows; filters apply to live updates', () => {
  const live = new Map<string, VpnServerClient>();
  const filter = { status: 'connected' };
  assert.equal(applyEvent(live, event('connected', record('c2')), filter), true);
  assert.equal(applyEvent(live, event('connected', record('c1')), filter), true);
  assert.deepEqual(sorted(live).map((c) => c.id), ['c1', 'c2']);
  // Disconnected no longer matches status=connected, so the row leaves the table.
  assert.equal(applyEvent(live, event('disconnected', record('c1', { status: 'disconnected' })), filter), true);
  assert.deepEqual([...live.keys()], ['c2']);
  assert.equal(applyEvent(live, event('deleted', undefined, 'c2'), {}), true);
  assert.equal(live.size, 0);
  assert.equal(applyEvent(live, event('connected', record('c3', { username: 'bob' })), { username: 'alice' }), false);
});
