import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyGatewayForm, gatewayCreateBody, gatewayJoinCommand, validateGatewayForm } from './gateway-form.ts';

test('name and host are required; the subnet id is optional', () => {
  assert.deepEqual(Object.keys(validateGatewayForm(emptyGatewayForm)).sort(), ['host', 'name']);
  assert.deepEqual(validateGatewayForm({ name: 'edge-1', host: 'vpn-1.example.com', subnetId: '' }), {});
  assert.match(validateGatewayForm({ name: 'Edge 1', host: 'vpn-1.example.com', subnetId: '' }).name ?? '', /lowercase/);
  assert.match(validateGatewayForm({ name: 'edge-1', host: 'vpn 1', subnetId: '' }).host ?? '', /without spaces/);
});

test('the body leaves an empty subnet id out and trims', () => {
  assert.deepEqual(gatewayCreateBody({ name: ' edge-1 ', host: 'vpn-1.example.com ', subnetId: ' ' }), { name: 'edge-1', host: 'vpn-1.example.com' });
  assert.deepEqual(gatewayCreateBody({ name: 'edge-1', host: '192.0.2.7', subnetId: 'fra-a' }), { name: 'edge-1', host: '192.0.2.7', subnet: { id: 'fra-a' } });
});

test('the join command names the control plane by its origin', () => {
  assert.equal(gatewayJoinCommand('https://vpn.example.com/', 'sjt_abc'), 'sluice gateway --control-plane https://vpn.example.com --join-token sjt_abc');
  assert.equal(gatewayJoinCommand('http://127.0.0.1:8080', 'sjt_x'), 'sluice gateway --control-plane http://127.0.0.1:8080 --join-token sjt_x');
});
