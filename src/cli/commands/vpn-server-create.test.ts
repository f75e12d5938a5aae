import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prototypeOf } from './vpn-server-create.ts';

test('minimal create: certificate auth by default, server picks the certificates', async () => {
  assert.deepEqual(await prototypeOf({ clientIpPool: '10.8.0.0/16' }), { client_ip_pool: '10.8.0.0/16', client_authentication: [{ method: 'certificate' }] });
});

test('every flag maps onto the reference field', async () => {
  const prototype = await prototypeOf({
    clientIpPool: '10.8.0.0/16',
    name: 'office',
    cert: 'crn:server',
    clientAuthMethods: ['certificate', 'username'],
    clientCa: 'crn:ca',
    clientCrl: '-----BEGIN X509 CRL-----',
    clientDns: ['1.1.1.1'],
    clientIdleTimeout: 0,
    clientAutoDeleteTimeoutSeconds: 30,
    enableSplitTunnel: true,
    port: 1194,
    protocol: 'tcp',
    subnet: ['gw-1'],
    sg: ['sg-1'],
  });
  assert.deepEqual(prototype, {
    name: 'office',
    certificate: { crn: 'crn:server' },
    client_ip_pool: '10.8.0.0/16',
    client_dns_server_ips: [{ address: '1.1.1.1' }],
    client_idle_timeout: 0,
    client_auto_delete_timeout_seconds: 30,
    enable_split_tunneling: true,
    port: 1194,
    protocol: 'tcp',
    subnets: [{ id: 'gw-1' }],
    client_authentication: [{ method: 'certificate', client_ca: { crn: 'crn:ca' }, crl: '-----BEGIN X509 CRL-----' }, { method: 'username', identity_provider: { provider_type: 'iam' } }],
    security_groups: [{ id: 'sg-1' }],
  });
});

test('--client-ca without certificate auth is a usage error', async () => {
  await assert.rejects(prototypeOf({ clientIpPool: '10.8.0.0/16', clientAuthMethods: ['username'], clientCa: 'crn:ca' }), /need certificate/);
});
