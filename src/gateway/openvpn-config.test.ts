import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenVpnConfigError, parseCidr, renderClientProfile, renderServerConfig, serverCommandLine } from './openvpn-config.ts';
import type { ServerConfigSpec } from './openvpn-config.ts';

const base: ServerConfigSpec = {
  port: 1194,
  protocol: 'udp',
  clientIpPool: '10.99.0.0/22',
  dnsServers: ['9.9.9.9'],
  splitTunnel: true,
  routes: [
    { destination: '10.10.0.0/16', action: 'deliver' },
    { destination: '10.20.0.0/16', action: 'drop' },
    { destination: '10.30.0.0/24', action: 'translate' },
  ],
  idleTimeoutSeconds: 600,
  authMethods: { certificate: true, username: false },
  paths: { ca: '/etc/sluice/ca.pem', cert: '/etc/sluice/server.pem', key: '/etc/sluice/server key.pem', managementSocket: '/run/sluice/s1/mgmt.sock' },
};

function has(text: string, line: string): boolean {
  return text.split('\n').includes(line);
}

test('renders the directives Sluice depends on', () => {
  const text = renderServerConfig(base);
  for (const line of [
    'dev tun',
    'topology subnet',
    'server 10.99.0.0 255.255.252.0',
    'management /run/sluice/s1/mgmt.sock unix',
    'management-client-auth',
    'management-hold',
    'auth-user-pass-optional',
    'remote-cert-tls client',
    'duplicate-cn',
    'dh none',
    'tls-server',
    'keepalive 4 12',
    'tls-timeout 1',
    'management-log-cache 5000',
    'key "/etc/sluice/server key.pem"',
    'push "dhcp-option DNS 9.9.9.9"',
    'push "route 10.10.0.0 255.255.0.0"',
    'push "route 10.30.0.0 255.255.255.0"',
    'push "inactive 600"',
  ]) {
    assert.ok(has(text, line), `missing: ${line}\n${text}`);
  }
  assert.equal(text.includes('10.20.0.0'), false, 'drop routes are not pushed');
  assert.equal(text.includes('username-as-common-name'), false);
  assert.equal(text.includes('auth-gen-token'), false);
  assert.equal(text.includes('redirect-gateway'), false);
  assert.equal(text.includes('verify-client-cert'), false);
});

test('full tunnel redirects the gateway; username-only disables client certs', () => {
  const text = renderServerConfig({ ...base, splitTunnel: false, authMethods: { certificate: false, username: true }, paths: { ...base.paths, crl: '/etc/crl.pem' }, idleTimeoutSeconds: 0 });
  assert.ok(has(text, 'push "redirect-gateway def1"'));
  assert.ok(has(text, 'verify-client-cert none'));
  assert.ok(has(text, 'crl-verify /etc/crl.pem'));
  assert.equal(text.includes('auth-user-pass-optional'), false);
  assert.equal(text.includes('route 10.10'), false);
  assert.equal(text.includes('inactive'), false);
});

test('tcp uses tcp-server and no explicit-exit-notify', () => {
  const text = renderServerConfig({ ...base, protocol: 'tcp' });
  assert.ok(has(text, 'proto tcp-server'));
  assert.equal(text.includes('explicit-exit-notify'), false);
});

test('invalid input throws naming the field', () => {
  const cases: Array<[Partial<ServerConfigSpec>, string]> = [
    [{ clientIpPool: '10.99.0.1/22' }, 'clientIpPool'],
    [{ clientIpPool: '10.0.0.0/8' }, 'clientIpPool'],
    [{ clientIpPool: 'nope' }, 'clientIpPool'],
    [{ port: 0 }, 'port'],
    [{ dnsServers: ['dns.example'] }, 'dnsServers[0]'],
    [{ routes: [{ destination: '10.0.0.0/33', action: 'deliver' }] }, 'routes[0].destination'],
    [{ authMethods: { certificate: false, username: false } }, 'authMethods'],
    [{ idleTimeoutSeconds: -1 }, 'idleTimeoutSeconds'],
    [{ paths: { ...base.paths, ca: 'a\nb' } }, 'paths.ca'],
    [{ keepalive: { interval: 10, timeout: 5 } }, 'keepalive.timeout'],
  ];
  for (const [patch, field] of cases) {
    assert.throws(() => renderServerConfig({ ...base, ...patch }), (error: unknown) => error instanceof OpenVpnConfigError && error.field === field, field);
  }
});

test('parseCidr gives network and mask', () => {
  assert.deepEqual(parseCidr('x', '172.16.0.0/12'), { network: '172.16.0.0', netmask: '255.240.0.0', prefix: 12 });
  assert.deepEqual(parseCidr('x', '0.0.0.0/0'), { network: '0.0.0.0', netmask: '0.0.0.0', prefix: 0 });
});

test('server command line puts extra args after --config', () => {
  assert.deepEqual(serverCommandLine('/c.conf', { extraArgs: ['--ifconfig-noexec', '--route-noexec'] }), ['--config', '/c.conf', '--ifconfig-noexec', '--route-noexec']);
});

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';

test('client profile for certificate + username auth', () => {
  const text = renderClientProfile({ host: 'vpn.example.com', port: 1194, protocol: 'udp', username: true, serverName: 'office', caPem: PEM, certPem: PEM, keyPem: KEY });
  for (const line of ['client', 'dev tun', 'proto udp', 'remote vpn.example.com 1194', 'nobind', 'remote-cert-tls server', 'verify-x509-name office name', 'auth-user-pass', '<ca>', '</ca>', '<cert>', '<key>', '</key>']) {
    assert.ok(has(text, line), `missing ${line}`);
  }
});

test('client profile validation', () => {
  const spec = { host: 'h', port: 1, protocol: 'udp' as const, username: true, serverName: 's', caPem: PEM };
  assert.throws(() => renderClientProfile({ ...spec, host: 'a b' }), OpenVpnConfigError);
  assert.throws(() => renderClientProfile({ ...spec, otherHosts: ['ok.example.com', 'not ok'] }), OpenVpnConfigError);
  const twoGateways = renderClientProfile({ ...spec, otherHosts: ['vpn-b.example.com'] });
  assert.match(twoGateways, /^remote h 1\nremote vpn-b\.example\.com 1\nremote-random\nserver-poll-timeout 10$/m, 'both gateways, the first one picked at random, the next tried after 10 s of silence');
  assert.doesNotMatch(renderClientProfile(spec), /remote-random/, 'one gateway: no random pick');
  // The reference's client_configuration for certificate auth: the user adds <cert> and <key>.
  assert.doesNotMatch(renderClientProfile({ ...spec, username: false }), /<cert>|auth-user-pass/);
  assert.throws(() => renderClientProfile({ ...spec, caPem: 'nope' }), OpenVpnConfigError);
  assert.throws(() => renderClientProfile({ ...spec, certPem: PEM }), OpenVpnConfigError);
});

test('client profile pins the server certificate by its whole common name', () => {
  const spec = { host: 'h', port: 1, protocol: 'udp' as const, username: false, caPem: PEM };
  assert.ok(has(renderClientProfile({ ...spec, serverName: 'Office VPN "East"' }), 'verify-x509-name "Office VPN \\"East\\"" name'));
  for (const serverName of ['', 'a\nremote evil 1', 'office\u202e', 'x'.repeat(256)]) {
    assert.throws(() => renderClientProfile({ ...spec, serverName }), (error: unknown) => error instanceof OpenVpnConfigError && error.field === 'serverName', JSON.stringify(serverName));
  }
});

test('a named tun device is rendered with dev-type, so the gateway\'s packet filter can name it', () => {
  const text = renderServerConfig({ ...base, device: 'sl7a709a2ccbe5' });
  assert.ok(has(text, 'dev sl7a709a2ccbe5'));
  assert.ok(has(text, 'dev-type tun'));
  assert.ok(!has(text, 'dev tun'));
  assert.throws(() => renderServerConfig({ ...base, device: 'a very long device name' }), (e: unknown) => e instanceof OpenVpnConfigError && e.field === 'device');
});
