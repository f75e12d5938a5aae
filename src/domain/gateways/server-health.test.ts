import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combineServerState, type GatewayServerView } from './server-health.ts';

const ok = { lifecycle: 'stable' as const, health: 'ok' as const, reasons: [] };
const view = (gatewayName: string, reachable: boolean, state: GatewayServerView['state'] = ok): GatewayServerView => ({ gatewayName, reachable, state });
/** A gateway connected but not yet reporting the server. */
const starting = (gatewayName: string): GatewayServerView => ({ gatewayName, reachable: true, state: undefined });

test('one gateway: its own state, degraded while it is disconnected', () => {
  assert.deepEqual(combineServerState([view('a', true)]), ok);
  const away = combineServerState([view('a', false)]);
  assert.equal(away.health, 'degraded');
  assert.equal(away.reasons[0]?.code, 'gateway_disconnected');
  assert.equal(combineServerState([starting('a')]).lifecycle, 'pending');
});

test('two gateways: ok together, degraded naming the one down, faulted when none serves', () => {
  assert.deepEqual(combineServerState([view('a', true), view('b', true)]), ok);
  const oneDown = combineServerState([view('a', true), view('b', false)]);
  assert.equal(oneDown.health, 'degraded');
  assert.deepEqual(oneDown.reasons.map((r) => r.code), ['gateway_disconnected']);
  assert.match(oneDown.reasons[0]?.message ?? '', /gateway b .*reconnect to the other gateway/);
  const crashed = combineServerState([view('a', true, { lifecycle: 'stable', health: 'faulted', reasons: [{ code: 'openvpn_restarting', message: 'openvpn exited' }] }), view('b', true)]);
  assert.equal(crashed.health, 'degraded');
  assert.deepEqual(crashed.reasons.map((r) => r.code), ['openvpn_restarting']);
  const none = combineServerState([view('a', false), view('b', false)]);
  assert.equal(none.health, 'faulted');
  assert.equal(none.reasons.length, 2);
  const failed = { lifecycle: 'failed' as const, health: 'faulted' as const, reasons: [{ code: 'openvpn_failed_to_start', message: 'no binary' }] };
  assert.equal(combineServerState([view('a', true, failed), view('b', true, failed)]).lifecycle, 'failed');
  assert.equal(combineServerState([view('a', true), starting('b')]).health, 'degraded', 'one still starting: the other serves');
});
