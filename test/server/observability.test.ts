import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { startSluice, TEST_ADMIN_KEY } from '../support/sluice-process.ts';
import { TestApi } from '../support/api-client.ts';
import { eventually } from '../support/openvpn-client.ts';
import { scrape } from '../support/prometheus.ts';
import { startHarness } from '../support/app-harness.ts';
import { logDestination } from '../../src/server/logging.ts';
import { pendingMigrations } from '../../src/store/database.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Requests whose log lines the tests count. */
async function exercise(api: TestApi): Promise<string> {
  const { passcode } = await api.ok('POST', '/identity/passcode');
  await api.ok('GET', '/v1/vpn_servers');
  assert.equal((await api.call('GET', '/v1/vpn_servers/r001-missing')).status, 404);
  return passcode as string;
}

test('JSON logs when not on a terminal: one line per request, with its request id, status, time and error code', async () => {
  const sluice = await startSluice({ env: { SLUICE_GATEWAY: 'none' } });
  try {
    const api = await new TestApi(sluice.url, sluice.adminApiKey).login();
    await exercise(api);
    await sluice.stop();
    const lines = sluice.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = lines.filter((l) => l.msg === 'request');
    const http = (l: Record<string, unknown> | undefined) => l?.http as Record<string, unknown> | undefined;
    const listed = requests.filter((l) => http(l)?.url === '/v1/vpn_servers?version=2026-11-25&generation=2');
    assert.equal(listed.length, 1, 'one line for the request');
    assert.equal(http(listed[0])?.status, 200);
    assert.equal(typeof http(listed[0])?.ms, 'number');
    assert.match(String(listed[0]?.reqId), /^[0-9a-f-]{36}$/);
    const missing = requests.find((l) => String(http(l)?.url).startsWith('/v1/vpn_servers/r001-missing'));
    assert.equal(http(missing)?.code, 'not_found');
    assert.equal(lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed').length, 0, 'not Fastify\u2019s two lines');
    assert.equal(lines.filter((l) => l.reqId === listed[0]?.reqId).length, 1, 'nothing else logged for it at info');
  } finally {
    await sluice.stop();
  }
});

test('--log-format pretty: readable lines a person can scan, and still no secret in them', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-pretty-'));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--gateway', 'none', '--log-format', 'pretty', '--log-level', 'debug'], {
    env: { ...process.env, SLUICE_ADMIN_API_KEY: TEST_ADMIN_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const url = await eventually('the ready line', async () => /sluice ready.*"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output)?.[1], 30_000);
    const api = await new TestApi(url, TEST_ADMIN_KEY).login();
    const passcode = await exercise(api);
    const token = api.bearer();
    child.kill('SIGTERM');
    await exited;
    assert.ok(!output.trimStart().startsWith('{'), 'not JSON');
    assert.match(output, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/v1\/vpn_servers\?version=2026-11-25&generation=2 200 [\d.]+ ms$/m);
    assert.match(output, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/v1\/vpn_servers\/r001-missing\?[^ ]+ 404 [\d.]+ ms not_found$/m);
    assert.equal(output.split('\n').filter((l) => l.includes('GET /v1/vpn_servers?')).length, 1, 'one line per request');
    for (const [name, secret] of [['api key', TEST_ADMIN_KEY], ['access token', token], ['passcode', passcode]] as const) {
      assert.ok(!output.includes(secret), `the ${name} appears in the log`);
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('auto picks readable lines on a terminal and JSON elsewhere', () => {
  assert.equal(logDestination('auto', false), undefined);
  assert.notEqual(logDestination('auto', true), undefined);
  assert.equal(logDestination('json', true), undefined);
  assert.notEqual(logDestination('pretty', false), undefined);
});

test('/readyz: ready once the gateway is attached; /healthz stays a liveness check; --metrics-listen serves metrics alone, without a token', async () => {
  const sluice = await startSluice({ args: ['--metrics-listen', '127.0.0.1:0'] });
  try {
    const ready = await eventually('ready', async () => {
      const res = await fetch(`${sluice.url}/readyz`);
      return res.status === 200 ? ((await res.json()) as { status: string; checks: Record<string, string> }) : undefined;
    }, 30_000);
    assert.deepEqual(ready, { status: 'ready', checks: { store: 'ok', migrations: 'ok', gateway: 'ok' } });
    assert.equal((await fetch(`${sluice.url}/healthz`)).status, 200);
    const metricsUrl = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"[^\n]*"msg":"metrics served without a token"/.exec(sluice.output())?.[1];
    assert.ok(metricsUrl, sluice.output());
    const s = await scrape(metricsUrl);
    assert.equal(s.family('sluice_http_requests_total')?.type, 'COUNTER');
    const api = await new TestApi(sluice.url, sluice.adminApiKey).login();
    assert.equal((await fetch(`${sluice.url}/metrics`, { headers: { authorization: `Bearer ${api.bearer()}` } })).status, 404, 'not on the API port then');
    assert.equal((await fetch(metricsUrl.replace('/metrics', '/v1/vpn_servers?version=2026-11-25'))).status, 404, 'nothing else on the metrics port');
  } finally {
    await sluice.stop();
  }
});

test('/readyz answers 503 naming what is missing: a migration not run, an unreachable store', async () => {
  const h = await startHarness('sqlite');
  try {
    assert.equal((await h.call('GET', '/readyz', { token: null })).statusCode, 200);
    const [last] = (await pendingMigrations(h.store)).length === 0 ? [(await sql<{ name: string }>`select name from kysely_migration order by name desc limit 1`.execute(h.store.db)).rows[0]?.name] : [];
    await sql`delete from kysely_migration where name = ${last}`.execute(h.store.db);
    const behind = await h.call('GET', '/readyz', { token: null });
    assert.equal(behind.statusCode, 503);
    assert.deepEqual(JSON.parse(behind.body), { status: 'not_ready', checks: { store: 'ok', migrations: 'failing', gateway: 'not_required' }, reasons: [`migrations not run: ${last}`] });
  } finally {
    await h.close();
  }
  const closed = await startHarness('sqlite');
  await closed.store.close();
  try {
    const res = await closed.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.equal(JSON.parse(res.body).checks.store, 'failing');
  } finally {
    await closed.app.close();
  }
});
