/**
 * The security suite: a real `sluice serve` with its default limits, attacked as an outsider
 * would — guessing API keys, flooding passcodes, burning a token's budget, a real OpenVPN client
 * hammering wrong passcodes — and a stream of a disabled user. Every loop is bounded and stops
 * by itself; every figure is printed as a test diagnostic.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { DEFAULT_LIMITS } from '../../src/config/limits.ts';
import { startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { freshDatabase, testDialects, type TestDatabase } from '../support/dialects.ts';
import { API_VERSION as VERSION, TestApi, type Json } from '../support/api-client.ts';
import { cliEnv, runCli } from '../cli/helpers.ts';
import { eventually, freeUdpPort, openvpnAvailable, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';

const APIKEY_GRANT = 'urn:ibm:params:oauth:grant-type:apikey';

const agents = new Map<string, Agent>();
/** A keep-alive agent per loopback source address: each attacker has its own address. */
const agentFor = (from: string): Agent => {
  let agent = agents.get(from);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: 1, localAddress: from });
    agents.set(from, agent);
  }
  return agent;
};

/** One HTTP request from a chosen loopback source address. */
function send(base: string, method: string, path: string, options: { from?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, headers: { ...options.headers, ...(options.body !== undefined && { 'content-length': Buffer.byteLength(options.body) }) }, agent: agentFor(options.from ?? '127.0.0.1') }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const form = (fields: Record<string, string>) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

/** Sends until the first 429 (at most `bound` requests); returns how many it took, counting the 429. */
async function untilLimited(bound: number, attempt: (i: number) => Promise<{ status: number; headers: Record<string, unknown>; body: string }>): Promise<{ requests: number; retryAfter: string; code: string }> {
  for (let i = 1; i <= bound; i += 1) {
    const res = await attempt(i);
    if (res.status === 429) return { requests: i, retryAfter: String(res.headers['retry-after']), code: (JSON.parse(res.body) as { errors: { code: string }[] }).errors[0]?.code ?? '' };
  }
  return { requests: -1, retryAfter: '', code: '' };
}

for (const dialect of testDialects()) {
  describe(`security suite: brute force against sluice serve with default limits (${dialect})`, () => {
    let sluice: SluiceProcess;
    let database: TestDatabase;
    let api: TestApi;
    const clients: VpnClientProcess[] = [];

    before(async () => {
      database = await freshDatabase(dialect);
      sluice = await startSluice({ env: { SLUICE_DATABASE_URL: database.url } });
      api = await new TestApi(sluice.url, sluice.adminApiKey).login();
    });
    after(async () => {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
      await Promise.all(clients.map((c) => c.stop()));
      await sluice?.stop();
      await database?.drop();
    });

    test('guessing API keys from one address is refused after the configured budget, the right key included', async (t) => {
      const budget = DEFAULT_LIMITS.keyFailures!.max;
      const guesses = await untilLimited(budget + 5, (i) => send(sluice.url, 'POST', '/identity/token', { from: '127.0.0.11', ...form({ grant_type: APIKEY_GRANT, apikey: `guess-${i}-${'x'.repeat(30)}` }) }));
      t.diagnostic(`API key guesses from one address: first 429 at request ${guesses.requests} (budget ${budget}), Retry-After ${guesses.retryAfter} s`);
      assert.equal(guesses.requests, budget + 1);
      assert.equal(guesses.code, 'rate_limited');
      assert.ok(Number(guesses.retryAfter) > 0);
      const right = await send(sluice.url, 'POST', '/identity/token', { from: '127.0.0.11', ...form({ grant_type: APIKEY_GRANT, apikey: sluice.adminApiKey }) });
      assert.equal(right.status, 429, 'locked out: even the right key is refused from that address');

      const grants = DEFAULT_LIMITS.tokenGrants!.max;
      const logins = await untilLimited(grants + 5, () => send(sluice.url, 'POST', '/identity/token', { from: '127.0.0.12', ...form({ grant_type: APIKEY_GRANT, apikey: sluice.adminApiKey }) }));
      t.diagnostic(`token grants with a right key from one address: first 429 at request ${logins.requests} (budget ${grants})`);
      assert.equal(logins.requests, grants + 1);
    });

    test('passcode floods and token floods hit 429 at the configured budget', async (t) => {
      const user = await api.ok('POST', '/v1/users', { name: 'flood', roles: [{ role: 'VPNClient' }] });
      const key = await api.ok('POST', `/v1/users/${String(user.id)}/api_keys`, { name: 'k' });
      const token = (await new TestApi(sluice.url, String(key.apikey)).login()).bearer();
      const auth = { authorization: `Bearer ${token}` };
      const passcodes = DEFAULT_LIMITS.passcodes!.max;
      const flood = await untilLimited(passcodes + 5, () => send(sluice.url, 'POST', '/identity/passcode', { from: '127.0.0.13', headers: auth }));
      t.diagnostic(`passcode requests for one user: first 429 at request ${flood.requests} (budget ${passcodes})`);
      assert.equal(flood.requests, passcodes + 1);
      assert.equal(flood.code, 'rate_limited');

      const budget = DEFAULT_LIMITS.tokenRequests!.max;
      const started = Date.now();
      const burn = await untilLimited(budget + 50, () => send(sluice.url, 'GET', `/v1/vpn_servers?${VERSION}`, { from: '127.0.0.13', headers: auth }));
      t.diagnostic(`requests with one access token: first 429 at request ${burn.requests} (budget ${budget}, reached in ${Date.now() - started} ms)`);
      // The passcode requests above were made with the same token and count against its budget too.
      assert.ok(burn.requests >= budget - passcodes - 1 && burn.requests <= budget + 1, `first 429 at ${burn.requests}`);
    });

    test('a real OpenVPN client hammering wrong passcodes locks the user out; an Administrator lifts it', { skip: openvpnAvailable() ? undefined : 'openvpn missing' }, async (t) => {
      const server = await api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), client_ip_pool: '10.63.0.0/20', client_authentication: [{ method: 'username' }] });
      await eventually('server stable', async () => ((await api.ok('GET', `/v1/vpn_servers/${String(server.id)}`)).health_state === 'ok' ? true : undefined), 30_000);
      const user = await api.ok('POST', '/v1/users', { name: 'mallory-target', roles: [{ role: 'VPNClient', vpn_server_id: server.id }] });
      const key = await api.ok('POST', `/v1/users/${String(user.id)}/api_keys`, { name: 'k' });
      const victim = await new TestApi(sluice.url, String(key.apikey)).login();
      const profile = (await api.call('GET', `/v1/vpn_servers/${String(server.id)}/client_configuration`)).text;

      // One client retrying with the same wrong passcode as fast as OpenVPN lets it.
      const budget = DEFAULT_LIMITS.vpnAuthUser!.max;
      const hammer = startVpnClient(profile, { username: 'mallory-target', password: 'WRONG-WRONG-WRONG-WRONG' }, { extraArgs: ['--auth-retry', 'nointeract', '--connect-retry', '1', '1', '--connect-retry-max', '1000'] });
      clients.push(hammer);
      const started = Date.now();
      const lockout = await eventually('the user to be locked out', async () => {
        const { vpn_lockouts: lockouts } = await api.ok('GET', '/v1/vpn_lockouts');
        return (lockouts as Json[]).find((l) => l.kind === 'user' && l.subject === 'mallory-target');
      }, 60_000, 200);
      const attempts = (hammer.output().match(/AUTH_FAILED/g) ?? []).length;
      await hammer.stop();
      t.diagnostic(`wrong passcodes from a real OpenVPN client: user locked out after ${String(lockout.failures)} failures (budget ${budget}) in ${Date.now() - started} ms; the client saw ${attempts} AUTH_FAILED`);
      assert.equal(lockout.failures, budget);

      const { passcode } = await victim.ok('POST', '/identity/passcode');
      const refused = startVpnClient(profile, { username: 'mallory-target', password: String(passcode) });
      clients.push(refused);
      await refused.exited;
      assert.match(refused.output(), /AUTH_FAILED/, 'while locked out even a right passcode is refused');

      // The operator sees and lifts it with the CLI.
      const env = cliEnv({ SLUICE_ENDPOINT: sluice.url, SLUICE_API_KEY: sluice.adminApiKey });
      const listed = await runCli(['vpn-lockouts'], { env });
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(`${String(lockout.id)}\\s+user\\s+mallory-target\\s+${budget}\\s`));
      const lifted = await runCli(['vpn-lockout-delete', String(lockout.id)], { env });
      assert.equal(lifted.code, 0, lifted.stderr);
      assert.equal((await api.ok('GET', '/v1/vpn_lockouts')).vpn_lockouts.length, 0);
      const again = await victim.ok('POST', '/identity/passcode');
      const admitted = startVpnClient(profile, { username: 'mallory-target', password: String(again.passcode) });
      clients.push(admitted);
      await admitted.connected();
    });

    test('the stream of a disabled user closes within a second', async (t) => {
      const server = await api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), client_ip_pool: '10.64.0.0/20', client_authentication: [{ method: 'certificate' }] });
      const user = await api.ok('POST', '/v1/users', { name: 'watcher', roles: [{ role: 'Operator' }] });
      const key = await api.ok('POST', `/v1/users/${String(user.id)}/api_keys`, { name: 'k' });
      const watcher = await new TestApi(sluice.url, String(key.apikey)).login();
      const res = await fetch(`${sluice.url}/v1/vpn_servers/${String(server.id)}/client_events?${VERSION}`, { headers: { authorization: `Bearer ${watcher.bearer()}` } });
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      const ended = (async () => {
        for (;;) if ((await reader.read()).done) return Date.now();
      })().catch(() => Date.now());
      const disabledAt = Date.now();
      await api.ok('PATCH', `/v1/users/${String(user.id)}`, { disabled: true });
      const answeredAt = Date.now();
      const closedAt = await Promise.race([ended, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5000))]);
      // A stream left open would keep the server from stopping: end it from this side.
      if (closedAt === -1) await reader.cancel().catch(() => undefined);
      assert.notEqual(closedAt, -1, 'the stream stayed open 5 s after the disable');
      t.diagnostic(`stream of a disabled user closed ${closedAt - disabledAt} ms after the disable was sent (the PATCH took ${answeredAt - disabledAt} ms)`);
      assert.ok(closedAt - disabledAt < 1000, `closed after ${closedAt - disabledAt} ms`);
    });
  });
}
