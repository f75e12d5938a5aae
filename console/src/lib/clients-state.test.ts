import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientList, clientsReducer, connectedCount, initialClients, statusLabel, type ClientsState } from './clients-state.ts';
import type { VpnServerClient } from '../../../src/client/types.ts';

const client = (id: string, extra: Partial<VpnServerClient> = {}): VpnServerClient => ({
  id,
  href: `/v1/vpn_servers/s/clients/${id}`,
  resource_type: 'vpn_server_client',
  client_ip: { address: '10.8.0.2' },
  remote_ip: { address: '192.0.2.1' },
  remote_port: 50000,
  bytes_sent: 0,
  bytes_received: 0,
  status: 'connected',
  created_at: '2026-11-25T10:00:00.000Z',
  ...extra,
});

const loaded = (...clients: VpnServerClient[]): ClientsState => clientsReducer(initialClients, { type: 'snapshot', clients });

test('a snapshot replaces the list and marks it loaded; API-pending disconnects show as pending', () => {
  const s = loaded(client('a'), client('b', { disconnect_requested_at: '2026-11-25T10:01:00.000Z' }));
  assert.equal(s.loaded, true);
  assert.equal(s.byId.a?.pending, undefined);
  assert.equal(s.byId.b?.pending, 'disconnect');
  assert.equal(statusLabel(s.byId.b!), 'Disconnecting…');
  assert.equal(connectedCount(s), 2);
});

test('connected adds a row; disconnected flips it and clears pending; deleted removes it', () => {
  let s = loaded();
  s = clientsReducer(s, { type: 'event', event: { seq: 1, type: 'connected', client_id: 'a', at: 't', client: client('a') } });
  assert.equal(clientList(s).length, 1);
  s = clientsReducer(s, { type: 'requested', ids: ['a'], pending: 'disconnect' });
  assert.equal(statusLabel(s.byId.a!), 'Disconnecting…');
  s = clientsReducer(s, {
    type: 'event',
    event: { seq: 2, type: 'disconnected', client_id: 'a', at: '2026-11-25T10:05:00.000Z', client: client('a', { status: 'disconnected', disconnected_at: '2026-11-25T10:05:00.000Z' }) },
  });
  assert.equal(s.byId.a?.status, 'disconnected');
  assert.equal(s.byId.a?.pending, undefined);
  assert.equal(statusLabel(s.byId.a!), 'Disconnected');
  assert.equal(s.lastSeq, 2);
  s = clientsReducer(s, { type: 'event', event: { seq: 3, type: 'deleted', client_id: 'a', at: 't' } });
  assert.equal(clientList(s).length, 0);
});

test('disconnected without a record in the event uses the known row and the event time', () => {
  let s = loaded(client('a'));
  s = clientsReducer(s, { type: 'event', event: { seq: 4, type: 'disconnected', client_id: 'a', at: '2026-11-25T11:00:00.000Z' } });
  assert.equal(s.byId.a?.status, 'disconnected');
  assert.equal(s.byId.a?.disconnected_at, '2026-11-25T11:00:00.000Z');
});

test('disconnect_requested from someone else shows pending; delete_requested hides the row', () => {
  let s = loaded(client('a'), client('b'));
  s = clientsReducer(s, { type: 'event', event: { seq: 5, type: 'disconnect_requested', client_id: 'a', at: 't', client: client('a', { disconnect_requested_at: 't' }) } });
  assert.equal(s.byId.a?.pending, 'disconnect');
  s = clientsReducer(s, { type: 'event', event: { seq: 6, type: 'delete_requested', client_id: 'b', at: 't' } });
  assert.equal(s.byId.b, undefined);
});

test('events for unknown clients without a record are ignored; unknown types with a record upsert', () => {
  let s = loaded();
  s = clientsReducer(s, { type: 'event', event: { seq: 1, type: 'connected', client_id: 'gone', at: 't' } });
  s = clientsReducer(s, { type: 'event', event: { seq: 2, type: 'disconnected', client_id: 'gone', at: 't' } });
  assert.equal(clientList(s).length, 0);
  s = clientsReducer(s, { type: 'event', event: { seq: 3, type: 'bytes_updated', client_id: 'x', at: 't', client: client('x', { bytes_sent: 9 }) } });
  assert.equal(s.byId.x?.bytes_sent, 9);
});

test('replaying the same events converges to the same state', () => {
  const events = [
    { seq: 1, type: 'connected', client_id: 'a', at: 't', client: client('a') },
    { seq: 2, type: 'disconnected', client_id: 'a', at: 't2', client: client('a', { status: 'disconnected', disconnected_at: 't2' }) },
  ];
  let once = loaded();
  for (const event of events) once = clientsReducer(once, { type: 'event', event });
  let twice = once;
  for (const event of events) twice = clientsReducer(twice, { type: 'event', event });
  assert.deepEqual(twice, once);
});

test('a local delete request hides rows at once; a failed disconnect request clears pending', () => {
  let s = loaded(client('a'), client('b'), client('c', { status: 'disconnected' }));
  s = clientsReducer(s, { type: 'requested', ids: ['a', 'c'], pending: 'disconnect' });
  assert.equal(s.byId.c?.pending, undefined, 'a disconnected client never shows pending');
  s = clientsReducer(s, { type: 'request_failed', ids: ['a'] });
  assert.equal(s.byId.a?.pending, undefined);
  s = clientsReducer(s, { type: 'requested', ids: ['b'], pending: 'delete' });
  assert.equal(s.byId.b, undefined);
});

test('a fresh snapshot keeps a pending disconnect this console asked for until the gateway confirms', () => {
  let s = loaded(client('a'));
  s = clientsReducer(s, { type: 'requested', ids: ['a'], pending: 'disconnect' });
  s = clientsReducer(s, { type: 'snapshot', clients: [client('a')] });
  assert.equal(s.byId.a?.pending, 'disconnect');
  s = clientsReducer(s, { type: 'snapshot', clients: [client('a', { status: 'disconnected', disconnected_at: 't' })] });
  assert.equal(s.byId.a?.pending, undefined);
});

test('clientLabel names the user or common name, the client IP and the id', async () => {
  const { clientLabel } = await import('./clients-state.ts');
  assert.equal(clientLabel(client('a', { username: 'alice' })), 'alice (10.8.0.2, id a)');
  assert.equal(clientLabel(client('b', { common_name: 'laptop' })), 'laptop (10.8.0.2, id b)');
  assert.equal(clientLabel(client('c')), '10.8.0.2 (id c)');
});
