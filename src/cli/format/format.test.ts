import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VpnServerClient } from '../../client/types.ts';
import { clientsTable } from './resources.ts';
import { renderFields, renderTable } from './table.ts';
import { localTime } from './time.ts';

test('renderTable aligns columns on the widest cell and trims trailing space', () => {
  const text = renderTable(['ID', 'Name'], [['a', 'x'], ['long-id', '']]);
  assert.equal(text, 'ID        Name\na         x\nlong-id\n');
});

test('renderFields aligns labels', () => {
  assert.equal(renderFields([['ID', '1'], ['Name', 'n']]), 'ID     1\nName   n\n');
});

test('localTime renders RFC 3339 in the given zone and "-" when absent', () => {
  assert.equal(localTime('2026-11-25T23:30:00.000Z', 60), '2026-11-26T00:30:00+01:00');
  assert.equal(localTime('2026-11-25T00:15:00.000Z', -330), '2026-11-24T18:45:00-05:30');
  assert.equal(localTime(undefined), '-');
  assert.equal(localTime('not a date'), 'not a date');
});

const connected: VpnServerClient = {
  id: 'r001-c1',
  href: 'http://x/v1/vpn_servers/s/clients/r001-c1',
  resource_type: 'vpn_server_client',
  client_ip: { address: '10.8.0.2' },
  remote_ip: { address: '203.0.113.9' },
  remote_port: 51234,
  bytes_sent: 0,
  bytes_received: 0,
  status: 'connected',
  created_at: '2026-11-25T12:00:00.000Z',
  common_name: 'alice',
};

test('clients table has the issue’s columns and "-" for absent values', () => {
  const lines = clientsTable([connected, { ...connected, id: 'r001-c2', status: 'disconnected', disconnected_at: '2026-11-25T12:05:00.000Z', common_name: undefined, username: 'bob' }]).split('\n');
  assert.match(lines[0] ?? '', /^ID\s+Client IP\s+Remote IP:port\s+User ID\s+Common name\s+Status\s+Created\s+Disconnected$/);
  const first = (lines[1] ?? '').split(/\s{3,}/);
  assert.deepEqual(first.slice(0, 6), ['r001-c1', '10.8.0.2', '203.0.113.9:51234', '-', 'alice', 'connected']);
  assert.equal(first.at(-1), '-');
  const second = (lines[2] ?? '').split(/\s{3,}/);
  assert.deepEqual(second.slice(3, 6), ['bob', '-', 'disconnected']);
  assert.match(second.at(-1) ?? '', /^2026-11-25T\d\d:\d\d:00[+-]\d\d:\d\d$/);
});

test('a pending disconnect shows as disconnecting', () => {
  assert.match(clientsTable([{ ...connected, disconnect_requested_at: '2026-11-25T12:01:00.000Z' }]), /disconnecting/);
});
