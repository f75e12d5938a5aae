import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoute, routePath, tabAt, tabIndex } from './route.ts';

test('parses the console paths', () => {
  assert.deepEqual(parseRoute('/'), { page: 'servers' });
  assert.deepEqual(parseRoute('/vpn_servers/'), { page: 'servers' });
  assert.deepEqual(parseRoute('/vpn_servers/r006-abc'), { page: 'server', id: 'r006-abc', tab: 'overview' });
  assert.deepEqual(parseRoute('/vpn_servers/r006-abc/clients'), { page: 'server', id: 'r006-abc', tab: 'clients' });
  assert.deepEqual(parseRoute('/vpn_servers/x/bogus'), { page: 'not_found', path: '/vpn_servers/x/bogus' });
  assert.deepEqual(parseRoute('/gateways'), { page: 'gateways' });
  assert.deepEqual(parseRoute('/gateways/'), { page: 'gateways' });
  assert.deepEqual(parseRoute('/gateways/r001-abc'), { page: 'not_found', path: '/gateways/r001-abc' });
  assert.deepEqual(parseRoute('/elsewhere'), { page: 'not_found', path: '/elsewhere' });
});

test('round-trips through routePath', () => {
  for (const p of ['/vpn_servers', '/vpn_servers/a%2Fb', '/vpn_servers/x/routes', '/vpn_servers/x/clients', '/vpn_servers/x/monitoring', '/gateways']) assert.equal(routePath(parseRoute(p)), p);
  assert.equal(tabAt(tabIndex('monitoring')), 'monitoring');
  assert.equal(tabAt(tabIndex('routes')), 'routes');
  assert.equal(tabAt(7), 'overview');
});
