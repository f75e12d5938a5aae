import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from './values.ts';
import { loadGatewayConfig } from './gateway-config.ts';

const problemsOf = (flags: Parameters<typeof loadGatewayConfig>[0], env: NodeJS.ProcessEnv = {}): string[] => {
  try {
    loadGatewayConfig(flags, env, '/srv');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

test('a gateway needs its control plane; several replicas are one comma-separated flag', () => {
  assert.match(problemsOf({})[0] ?? '', /--control-plane \/ SLUICE_CONTROL_PLANE is required/);
  const config = loadGatewayConfig({ 'control-plane': 'https://a.example.com/, https://b.example.com' }, {}, '/srv');
  assert.deepEqual(config.controlPlanes, ['https://a.example.com', 'https://b.example.com']);
  assert.equal(config.dataDir, '/srv/.sluice-gateway');
  assert.equal(config.dataplane, 'nftables');
  assert.equal(loadGatewayConfig({}, { SLUICE_CONTROL_PLANE: 'http://127.0.0.1:8080' }).controlPlanes[0], 'http://127.0.0.1:8080');
});

test('every bad value is named at once', () => {
  const problems = problemsOf({ 'control-plane': 'ftp://x', 'join-token': 'nope', 'listen-address': '300.1.1.1', 'device-tag': 'ab', 'kill-grace': '9000', dataplane: 'iptables', 'ca-file': '/nonexistent.pem' });
  for (const flag of ['control-plane', 'join-token', 'listen-address', 'device-tag', 'kill-grace', 'dataplane', 'ca-file']) {
    assert.ok(problems.some((p) => p.startsWith(`--${flag} `)), `${flag} named in ${JSON.stringify(problems)}`);
  }
});
