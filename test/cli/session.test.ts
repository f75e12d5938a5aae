import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { apiAs, cliEnv, runCli, startWithCli, type Server } from './helpers.ts';

let server: Server;
let env: NodeJS.ProcessEnv;
let cli: (...argv: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

before(async () => ({ server, env, cli } = await startWithCli()));
after(async () => server?.stop());

const configOf = async (e: NodeJS.ProcessEnv) => JSON.parse(await readFile(join(e.SLUICE_CONFIG_DIR ?? '', 'config.json'), 'utf8')) as { endpoint: string; apikey: string; tokens: { access_token: string; refresh_token?: string; expiration: number } };

test('login stores endpoint, key and tokens in a 0600 file in a 0700 dir', async () => {
  const fresh = cliEnv();
  const r = await runCli(['login', '--endpoint', `${server.url}/`, '--apikey', server.adminApiKey], { env: fresh });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^API endpoint: ${server.url}\nAuthenticating...\nOK\n`));
  assert.match(r.stdout, /User\s+admin/);
  const dir = fresh.SLUICE_CONFIG_DIR ?? '';
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.equal((await stat(join(dir, 'config.json'))).mode & 0o777, 0o600);
  const config = await configOf(fresh);
  assert.equal(config.endpoint, server.url, 'trailing slash dropped');
  assert.equal(config.apikey, server.adminApiKey);
  assert.ok(config.tokens.access_token && config.tokens.expiration > Date.now() / 1000);
});

test('login with a wrong key fails with the API error and stores nothing', async () => {
  const fresh = cliEnv();
  const r = await runCli(['login', '--endpoint', server.url, '--apikey', 'wrong-key-000000000000'], { env: fresh });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^FAILED invalid_api_key: /);
  assert.equal((await runCli(['target'], { env: fresh })).code, 1);
});

test('login reads the key from stdin when it is piped', async () => {
  const fresh = cliEnv();
  const r = await runCli(['login', '--endpoint', server.url], { env: fresh, stdin: [`${server.adminApiKey}\n`] });
  assert.equal(r.code, 0, r.stderr);
});

test('target shows endpoint, user and account; --output json matches /identity/me', async () => {
  const api = await apiAs(server);
  const me = (await api('GET', '/identity/me')).json as { id: string; name: string; account_id: string };
  const human = await cli('target');
  assert.equal(human.code, 0);
  assert.match(human.stdout, new RegExp(`API endpoint\\s+${server.url}`));
  assert.match(human.stdout, new RegExp(`User\\s+${me.name} \\(${me.id}\\)`));
  assert.match(human.stdout, new RegExp(`Account\\s+${me.account_id}`));
  const json = await cli('target', '--output', 'json');
  assert.deepEqual(JSON.parse(json.stdout), { endpoint: server.url, user: me });
});

test('cached tokens are reused, refreshed when expired, and re-obtained after a 401', async () => {
  const first = await configOf(env);
  await cli('vpn-servers');
  assert.equal((await configOf(env)).tokens.access_token, first.tokens.access_token, 'valid token reused');

  await writeFile(join(env.SLUICE_CONFIG_DIR ?? '', 'config.json'), JSON.stringify({ ...first, tokens: { ...first.tokens, expiration: 1 } }));
  assert.equal((await cli('vpn-servers')).code, 0);
  const refreshed = await configOf(env);
  assert.ok(refreshed.tokens.expiration > Date.now() / 1000, 'expired token replaced');

  // A token the server rejects although it looks unexpired: the 401 path re-authenticates.
  await writeFile(join(env.SLUICE_CONFIG_DIR ?? '', 'config.json'), JSON.stringify({ ...first, tokens: { access_token: 'garbage', expiration: 9_999_999_999 } }));
  const r = await cli('vpn-servers');
  assert.equal(r.code, 0, r.stderr);
  assert.notEqual((await configOf(env)).tokens.access_token, 'garbage');
});

test('SLUICE_ENDPOINT and SLUICE_API_KEY work without a config file', async () => {
  const r = await runCli(['target'], { env: cliEnv({ SLUICE_ENDPOINT: server.url, SLUICE_API_KEY: server.adminApiKey }) });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /User\s+admin/);
});

test('passcode prints a one-time passcode; json has expires_at', async () => {
  const plain = await cli('passcode');
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^\S+\n$/);
  const json = JSON.parse((await cli('passcode', '--output', 'json')).stdout) as { passcode: string; expires_at: string };
  assert.ok(json.passcode && !Number.isNaN(Date.parse(json.expires_at)));
  assert.notEqual(json.passcode, plain.stdout.trim());
});

test('logout ends the session on the server and removes the config; then commands say how to log in', async () => {
  const own = cliEnv();
  await runCli(['login', '--endpoint', server.url, '--apikey', server.adminApiKey], { env: own });
  const { tokens } = await configOf(own);
  const me = () => fetch(`${server.url}/identity/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal((await me()).status, 200);
  const out = await runCli(['logout'], { env: own });
  assert.equal(out.code, 0, out.stderr);
  assert.equal((await me()).status, 401, 'a copy of the access token is dead after logout');
  const refresh = await fetch(`${server.url}/identity/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' }) });
  assert.equal(refresh.status, 400, 'and so is the refresh token');
  const r = await runCli(['vpn-servers'], { env: own });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^FAILED not logged in: run 'sluice login/);
});
