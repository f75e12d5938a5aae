import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadServeConfig, splitArgs } from './serve-config.ts';

test('defaults are the embedded single-machine setup', () => {
  const config = loadServeConfig({}, {}, '/srv');
  assert.equal(config.listenHost, '127.0.0.1');
  assert.equal(config.listenPort, 8080);
  assert.equal(config.dataDir, '/srv/.sluice');
  assert.equal(config.databaseUrl, '/srv/.sluice/sluice.db');
  assert.equal(config.gateway, 'embedded');
  assert.equal(config.dataplane, 'nftables');
  assert.equal(config.nftBinary, 'nft');
  assert.deepEqual(config.dataplaneEgress, []);
});

test('the data plane can be turned off and its egress interfaces named', () => {
  assert.equal(loadServeConfig({ dataplane: 'none' }, {}).dataplane, 'none');
  assert.equal(loadServeConfig({}, { SLUICE_DATAPLANE: 'none' }).dataplane, 'none');
  assert.deepEqual(loadServeConfig({}, { SLUICE_DATAPLANE_EGRESS: 'eth1, ens3' }).dataplaneEgress, ['eth1', 'ens3']);
  assert.throws(() => loadServeConfig({ dataplane: 'iptables' }, {}), /--dataplane \/ SLUICE_DATAPLANE must be nftables or none, got "iptables"/);
  assert.throws(() => loadServeConfig({ 'dataplane-egress': 'eth0,"x y"' }, {}), /dataplane-egress.*got ""x y""/);
});

test('flags win over environment variables', () => {
  const config = loadServeConfig({ listen: '0.0.0.0:9000' }, { SLUICE_LISTEN: '127.0.0.1:1', SLUICE_DATABASE_URL: 'postgres://u@h/db' });
  assert.equal(config.listenPort, 9000);
  assert.equal(config.databaseUrl, 'postgres://u@h/db');
});

test('every problem is reported at once', () => {
  try {
    loadServeConfig({ listen: 'nonsense', 'log-level': 'loud' }, { SLUICE_TOKEN_TTL_SECONDS: '-1', SLUICE_DATABASE_URL: 'mysql://x' });
    assert.fail('expected a ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.problems.length, 4, error.message);
    assert.match(error.message, /--listen/);
    assert.match(error.message, /log-level/);
    assert.match(error.message, /TOKEN_TTL/);
    assert.match(error.message, /database/);
  }
});

test('openvpn args split like a shell', () => {
  assert.deepEqual(splitArgs('--ifconfig-noexec --route-noexec --setenv X "a b"'), ['--ifconfig-noexec', '--route-noexec', '--setenv', 'X', 'a b']);
});
