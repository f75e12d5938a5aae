import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientStatusTag, gatewayStatusTag, healthTag, serverStatus } from './status.ts';

test('server status combines lifecycle and health', () => {
  assert.deepEqual(serverStatus('stable', 'ok'), { label: 'Stable · OK', type: 'green' });
  assert.deepEqual(serverStatus('stable', 'faulted'), { label: 'Stable · Faulted', type: 'red' });
  assert.deepEqual(serverStatus('pending', 'inapplicable'), { label: 'Pending', type: 'blue' });
  assert.deepEqual(serverStatus('failed', 'faulted'), { label: 'Failed', type: 'red' });
  assert.deepEqual(serverStatus('brand_new', 'ok'), { label: 'Brand new', type: 'cool-gray' });
});

test('health and client tags tolerate new values', () => {
  assert.equal(healthTag('degraded').type, 'magenta');
  assert.equal(healthTag('mystery').label, 'Mystery');
  assert.deepEqual(clientStatusTag('connected', true), { label: 'Disconnecting…', type: 'blue' });
  assert.deepEqual(clientStatusTag('disconnected', true), { label: 'Disconnected', type: 'gray' });
  assert.equal(clientStatusTag('roaming', false).label, 'Roaming');
});

test('gateway tags: connected green, pending blue, disconnected red, new values gray', () => {
  assert.deepEqual(gatewayStatusTag('connected'), { label: 'Connected', type: 'green' });
  assert.deepEqual(gatewayStatusTag('pending'), { label: 'Pending', type: 'blue' });
  assert.deepEqual(gatewayStatusTag('disconnected'), { label: 'Disconnected', type: 'red' });
  assert.deepEqual(gatewayStatusTag('draining'), { label: 'Draining', type: 'cool-gray' });
});
