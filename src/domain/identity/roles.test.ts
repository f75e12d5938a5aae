import assert from 'node:assert/strict';
import { test } from 'node:test';
import { can, hasRole, visibleServerIds, type Principal } from './roles.ts';

const principal = (...bindings: Principal['bindings']): Principal => ({ userId: 'u', userName: 'u', bindings });

test('roles include the ones below them', () => {
  const editor = principal({ role: 'Editor', vpnServerId: null });
  assert.ok(can(editor, 'vpn_server.write'));
  assert.ok(can(editor, 'client.disconnect', 's1'));
  assert.ok(!can(editor, 'identity.admin'));
  const viewer = principal({ role: 'Viewer', vpnServerId: null });
  assert.ok(can(viewer, 'vpn_server.read', 's1'));
  assert.ok(!can(viewer, 'client.read', 's1'));
});

test('VPNClient grants no management action', () => {
  const client = principal({ role: 'VPNClient', vpnServerId: null });
  assert.ok(!can(client, 'vpn_server.read'));
  assert.ok(hasRole(client, 'VPNClient', 'any'));
});

test('a per-server binding is limited to that server', () => {
  const op = principal({ role: 'Operator', vpnServerId: 's1' });
  assert.ok(can(op, 'client.delete', 's1'));
  assert.ok(!can(op, 'client.delete', 's2'));
  assert.ok(!can(op, 'client.delete'));
  assert.deepEqual(visibleServerIds(op, 'vpn_server.read'), new Set(['s1']));
  assert.equal(visibleServerIds(principal({ role: 'Viewer', vpnServerId: null }), 'vpn_server.read'), null);
});

test('MetricsReader reads metrics and nothing else; of the other roles only Administrator reads metrics', () => {
  const scraper = principal({ role: 'MetricsReader', vpnServerId: null });
  assert.ok(can(scraper, 'metrics.read'));
  for (const action of ['vpn_server.read', 'client.read', 'route.read', 'certificate.read', 'audit.read', 'identity.admin'] as const) assert.ok(!can(scraper, action), action);
  assert.ok(can(principal({ role: 'Administrator', vpnServerId: null }), 'metrics.read'));
  for (const role of ['Viewer', 'Operator', 'Editor', 'VPNClient'] as const) assert.ok(!can(principal({ role, vpnServerId: null }), 'metrics.read'), role);
  // Metrics span every server: a per-server binding does not open them.
  assert.ok(!can(principal({ role: 'MetricsReader', vpnServerId: 's1' }), 'metrics.read'));
});

test('only Administrators read the audit trail', () => {
  assert.ok(can(principal({ role: 'Administrator', vpnServerId: null }), 'audit.read'));
  assert.ok(!can(principal({ role: 'Editor', vpnServerId: null }), 'audit.read'));
});
