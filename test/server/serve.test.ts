import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSluice } from '../support/sluice-process.ts';
import { TestApi } from '../support/api-client.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

test('bad configuration: one message listing every problem, exit code 2', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'serve', '--listen', 'nowhere', '--log-level', 'loud'], {
    env: { ...process.env, SLUICE_TOKEN_TTL_SECONDS: 'soon' },
    encoding: 'utf8',
  });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /invalid configuration/);
  assert.match(result.stderr, /--listen/);
  assert.match(result.stderr, /--log-level/);
  assert.match(result.stderr, /SLUICE_TOKEN_TTL_SECONDS/);
  assert.doesNotMatch(result.stderr, /\bat .*\.ts:\d+/, 'no stack trace');
  const unknown = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'serve', '--colour', 'red'], { encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /colour/);
});

test('first start without SLUICE_ADMIN_API_KEY: a key is generated, shown once, stored 0600; secrets never reach the log', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-first-'));
  try {
    const first = await startSluice({ dataDir, env: { SLUICE_ADMIN_API_KEY: '', SLUICE_LOG_LEVEL: 'debug', SLUICE_GATEWAY: 'none' } });
    const keyFile = join(dataDir, 'admin-api-key');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'master.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'sluice.db')).mode & 0o777, 0o600);
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    const key = readFileSync(keyFile, 'utf8').trim();
    assert.equal(first.output().split(key).length - 1, 1, 'the key is printed exactly once');

    const api = await new TestApi(first.url, key).login();
    const { passcode } = await api.ok('POST', '/identity/passcode');
    await api.ok('GET', '/v1/vpn_servers');
    const token = api.bearer();
    await first.stop({ keepDataDir: true });
    const log = first.output().replace(key, '');
    for (const [name, secret] of [['api key', key], ['access token', token], ['passcode', passcode]] as const) {
      assert.ok(!log.includes(secret), `the ${name} appears in the log`);
    }
    assert.match(log, /"reqId":"[0-9a-f-]{36}"/, 'request logs carry a request id');

    const second = await startSluice({ dataDir, env: { SLUICE_ADMIN_API_KEY: '', SLUICE_GATEWAY: 'none' } });
    assert.ok(!second.output().includes(key), 'a restart does not print the key again');
    await second.stop({ keepDataDir: true });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
