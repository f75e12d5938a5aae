import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultServerForm, formFieldOf, isCidr, serverCreateBody, validateName, validateRoute, validateServerForm } from './server-form.ts';

test('the defaults are valid and build a minimal reference body', () => {
  assert.deepEqual(validateServerForm(defaultServerForm), {});
  assert.deepEqual(serverCreateBody(defaultServerForm), {
    client_ip_pool: '10.8.0.0/22',
    client_authentication: [{ method: 'certificate' }],
    port: 443,
    protocol: 'udp',
    client_idle_timeout: 600,
    client_auto_delete_timeout: 1,
    enable_split_tunneling: false,
  });
});

test('both auth methods, DNS, certificates and a name', () => {
  const body = serverCreateBody({
    ...defaultServerForm,
    name: ' office ',
    authMethods: 'certificate,username',
    dns: '1.1.1.1, 9.9.9.9',
    certificateCrn: 'crn:a',
    clientCaCrn: 'crn:b',
    splitTunnel: true,
  });
  assert.equal(body.name, 'office');
  assert.deepEqual(body.client_authentication, [
    { method: 'certificate', client_ca: { crn: 'crn:b' } },
    { method: 'username', identity_provider: { provider_type: 'iam' } },
  ]);
  assert.deepEqual(body.client_dns_server_ips, [{ address: '1.1.1.1' }, { address: '9.9.9.9' }]);
  assert.deepEqual(body.certificate, { crn: 'crn:a' });
  assert.equal(body.enable_split_tunneling, true);
});

test('client-side checks name the offending field', () => {
  const e = validateServerForm({ ...defaultServerForm, name: 'Bad_Name', clientIpPool: '10.0.0.0/8', port: '70000', dns: '1.1.1.1,2.2.2.2,3.3.3.3', idleTimeout: '-1', autoDeleteHours: '25' });
  assert.deepEqual(Object.keys(e).sort(), ['autoDeleteHours', 'clientIpPool', 'dns', 'idleTimeout', 'name', 'port']);
  assert.match(validateServerForm({ ...defaultServerForm, clientIpPool: '10.8.0.300/22' }).clientIpPool ?? '', /CIDR/);
  assert.match(validateServerForm({ ...defaultServerForm, dns: 'dns.example' }).dns ?? '', /IPv4/);
});

test('CIDR, route and name checks', () => {
  assert.equal(isCidr('192.168.0.0/16'), true);
  assert.equal(isCidr('192.168.0.0'), false);
  assert.equal(isCidr('192.168.0.0/33'), false);
  assert.deepEqual(validateRoute('10.0.0.0/8', ''), {});
  assert.ok(validateRoute('10.0.0.0', 'X').destination);
  assert.ok(validateRoute('10.0.0.0/8', 'X').name);
  assert.equal(validateName('ok-name'), undefined);
  assert.ok(validateName(''));
});

test('API error targets map to form fields', () => {
  assert.equal(formFieldOf('client_ip_pool'), 'clientIpPool');
  assert.equal(formFieldOf('client_authentication[0].client_ca.crn'), 'clientCaCrn');
  assert.equal(formFieldOf('client_dns_server_ips[1].address'), 'dns');
  assert.equal(formFieldOf('vpc'), undefined);
});
