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

test('limits have safe defaults and take COUNT/DURATION or off', () => {
  const defaults = loadServeConfig({}, {}, '/srv').limits;
  assert.deepEqual(defaults.tokenGrants, { max: 30, windowMs: 60_000 });
  assert.ok(defaults.maxConnectionsPerAddress > 0 && defaults.headersTimeoutMs <= defaults.requestTimeoutMs);
  const config = loadServeConfig({ 'limit-passcodes': '3/10s', 'public-url': 'https://vpn.example.com/' }, { SLUICE_LIMIT_TOKEN_REQUESTS: 'off', SLUICE_MAX_CONNECTIONS: '10' }, '/srv');
  assert.deepEqual(config.limits.passcodes, { max: 3, windowMs: 10_000 });
  assert.equal(config.limits.tokenRequests, null);
  assert.equal(config.limits.maxConnections, 10);
  assert.equal(config.publicUrl, 'https://vpn.example.com');
});

test('bad limits and public URLs are named, all at once', () => {
  try {
    loadServeConfig({ 'limit-key-failures': '10 per minute', 'public-url': 'https://x.example/api?q=1' }, { SLUICE_LIMIT_VPN_AUTH_USER: '0/1m', SLUICE_HEADERS_TIMEOUT_MS: '60000', SLUICE_REQUEST_TIMEOUT_MS: '5000' });
    assert.fail('expected a ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.problems.length, 4, error.message);
    assert.match(error.message, /--limit-key-failures \/ SLUICE_LIMIT_KEY_FAILURES must be COUNT\/DURATION/);
    assert.match(error.message, /SLUICE_LIMIT_VPN_AUTH_USER/);
    assert.match(error.message, /--public-url/);
    assert.match(error.message, /headers-timeout/);
  }
});

test('observability: log format, metrics, metrics address, retention — defaults and bad values named', () => {
  const defaults = loadServeConfig({}, {}, '/srv');
  assert.equal(defaults.logFormat, 'auto');
  assert.equal(defaults.metrics, true);
  assert.equal(defaults.metricsListen, undefined);
  assert.equal(defaults.auditRetentionDays, 90);
  assert.equal(defaults.monitoringRetentionDays, 31);
  assert.equal(defaults.audit, true);
  const set = loadServeConfig({ 'log-format': 'json', 'metrics-listen': '10.0.0.5:9464' }, { SLUICE_AUDIT_RETENTION_DAYS: '365' });
  assert.deepEqual([set.logFormat, set.metricsListen, set.auditRetentionDays], ['json', { host: '10.0.0.5', port: 9464 }, 365]);
  try {
    loadServeConfig({ 'log-format': 'xml', metrics: 'off', 'metrics-listen': 'here' }, { SLUICE_AUDIT_RETENTION_DAYS: '0', SLUICE_MONITORING_RETENTION_DAYS: '1' });
    assert.fail('expected a ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    for (const name of ['--log-format', '--metrics-listen / SLUICE_METRICS_LISTEN must be HOST:PORT', 'but --metrics / SLUICE_METRICS is off', 'AUDIT_RETENTION_DAYS', 'MONITORING_RETENTION_DAYS']) assert.ok(error.message.includes(name), `${name} in ${error.message}`);
  }
});

test('kill grace: default, flag and variable, off, bad values named', () => {
  assert.equal(loadServeConfig({}, {}).killGraceMs, 1200);
  assert.equal(loadServeConfig({ 'kill-grace': '2500' }, { SLUICE_KILL_GRACE_MS: '100' }).killGraceMs, 2500);
  assert.equal(loadServeConfig({}, { SLUICE_KILL_GRACE_MS: '0' }).killGraceMs, 0);
  assert.equal(loadServeConfig({}, { SLUICE_KILL_GRACE_MS: 'off' }).killGraceMs, undefined);
  for (const bad of ['4501', '-1', '1.5', '1s', 'on']) {
    assert.throws(() => loadServeConfig({ 'kill-grace': bad }, {}), new RegExp(`--kill-grace / SLUICE_KILL_GRACE_MS must be .*got "${bad.replace('.', '\\.')}"`), bad);
  }
});
