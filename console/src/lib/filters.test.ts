import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultClientQuery, paginate, queryClients } from './filters.ts';
import type { ClientRow } from './clients-state.ts';

const c = (id: string, start: string, extra: Partial<ClientRow> = {}): ClientRow => ({
  id,
  href: `/v1/vpn_servers/s/clients/${id}`,
  resource_type: 'vpn_server_client',
  client_ip: { address: `10.8.0.${id.length + 1}` },
  remote_ip: { address: '198.51.100.7' },
  remote_port: 1194,
  bytes_sent: 0,
  bytes_received: 0,
  status: 'connected',
  created_at: `2026-11-25T${start}:00.000Z`,
  ...extra,
});

const rows = [
  c('a', '10:00', { username: 'Alice' }),
  c('b', '11:00', { common_name: 'laptop-bob', status: 'disconnected' }),
  c('c', '09:00', { client_ip: { address: '10.8.0.77' } }),
];

test('sorts by start time, newest first by default', () => {
  assert.deepEqual(queryClients(rows, defaultClientQuery).map((r) => r.id), ['b', 'a', 'c']);
  assert.deepEqual(queryClients(rows, { ...defaultClientQuery, sort: 'ASC' }).map((r) => r.id), ['c', 'a', 'b']);
});

test('filters by status', () => {
  assert.deepEqual(queryClients(rows, { ...defaultClientQuery, status: 'connected' }).map((r) => r.id), ['a', 'c']);
  assert.deepEqual(queryClients(rows, { ...defaultClientQuery, status: 'disconnected' }).map((r) => r.id), ['b']);
});

test('searches user, common name and addresses case-insensitively', () => {
  const ids = (search: string) => queryClients(rows, { ...defaultClientQuery, search }).map((r) => r.id);
  assert.deepEqual(ids('alice'), ['a']);
  assert.deepEqual(ids('LAPTOP'), ['b']);
  assert.deepEqual(ids('10.8.0.77'), ['c']);
  assert.deepEqual(ids('198.51.100.7:1194'), ['b', 'a', 'c']);
  assert.deepEqual(ids('  '), ['b', 'a', 'c']);
  assert.deepEqual(ids('nobody'), []);
});

test('paginates and snaps past-the-end pages to the last one', () => {
  const items = [1, 2, 3, 4, 5];
  assert.deepEqual(paginate(items, 2, 2), { items: [3, 4], page: 2, total: 5 });
  assert.deepEqual(paginate(items, 9, 2), { items: [5], page: 3, total: 5 });
  assert.deepEqual(paginate([], 3, 10), { items: [], page: 1, total: 0 });
});
