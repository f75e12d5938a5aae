import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gateway, GatewayJoinToken } from '../../src/client/types.ts';
import { apiAs, runCli, startWithCli, type Result, type Server } from './helpers.ts';

let server: Server;
let env: NodeJS.ProcessEnv;
let cli: (...argv: string[]) => Promise<Result>;
let api: Awaited<ReturnType<typeof apiAs>>;

before(async () => {
  ({ server, env, cli } = await startWithCli());
  api = await apiAs(server);
});
after(async () => server?.stop());

const json = <T>(r: Result): T => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};

test('gateway-create: progress, fields and the join token once, with a line saying so', async () => {
  const r = await cli('gateway-create', 'edge-fra', '--host', 'fra.vpn.example.com', '--port-range', '1194-1294', '--label', 'region=eu-de', '--label', 'tier=gold');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Creating gateway edge-fra under account \S+ as user admin\.\.\.\nOK\nID\s+r001-\S+\nName\s+edge-fra\n/);
  assert.match(r.stdout, /Host\s+fra\.vpn\.example\.com\n/);
  assert.match(r.stdout, /Ports\s+1194-1294\n/);
  assert.match(r.stdout, /Labels\s+region=eu-de, tier=gold\n/);
  assert.match(r.stdout, /Status\s+pending\n/);
  assert.match(r.stdout, /Join token\s+sjt_[A-Za-z0-9_-]{43}\n/);
  assert.match(r.stdout, /shown once/);

  const id = /ID\s+(r001-\S+)/.exec(r.stdout)?.[1] ?? '';
  const token = /Join token\s+(\S+)/.exec(r.stdout)?.[1] ?? '';
  // The token the CLI printed is the one the gateway joins with.
  const joined = await fetch(`${server.url}/gateway/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ join_token: token }) });
  assert.equal(joined.status, 200);
  assert.equal(((await joined.json()) as { gateway: { id: string } }).gateway.id, id);
  assert.doesNotMatch((await cli('gateway-show', id)).stdout, /sjt_/, 'never shown again');
});

test('gateway-create --subnet and --output json; bad flags are usage errors', async () => {
  const created = json<Gateway>(await cli('gateway-create', 'edge-ams', '--host', '192.0.2.10', '--subnet', 'ams-1', '--output', 'json'));
  assert.deepEqual(created.subnet, { id: 'ams-1' });
  assert.match(created.join_token?.token ?? '', /^sjt_/);
  const served = (await api('GET', `/v1/gateways/${created.id}`)).json as Gateway;
  assert.equal(served.join_token, undefined);
  assert.equal(served.host, '192.0.2.10');

  const badRange = await cli('gateway-create', 'x', '--host', 'x.example.com', '--port-range', '2000-1000');
  assert.equal(badRange.code, 2);
  assert.match(badRange.stderr, /MIN-MAX/);
  const badLabel = await cli('gateway-create', 'x', '--host', 'x.example.com', '--label', 'novalue');
  assert.equal(badLabel.code, 2);
  const noHost = await cli('gateway-create', 'x');
  assert.equal(noHost.code, 2);
  const conflict = await cli('gateway-create', 'edge-ams', '--host', 'y.example.com');
  assert.equal(conflict.code, 1);
  assert.match(conflict.stderr, /name_conflict|already exists/);
});

test('gateways: a table; gateway NAME shows one; --output json equals the API', async () => {
  const table = await cli('gateways');
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^ID\s+Name\s+Host\s+Ports\s+Subnet\s+Status\s+Last seen\s+Version\s+Servers\s+Clients$/);
  assert.ok(lines.some((l) => /\bedge-ams\s+192\.0\.2\.10\s+-\s+ams-1\s+pending\b/.test(l)), table.stdout);
  const listed = json<Gateway[]>(await cli('gateways', '--output', 'json'));
  const fromApi = ((await api('GET', '/v1/gateways')).json as { gateways: Gateway[] }).gateways;
  assert.deepEqual(listed, fromApi);

  const one = await cli('gateway-show', 'edge-ams');
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /Subnet\s+ams-1\n/);
  assert.match(one.stdout, /VPN servers\s+0\n/);
  assert.equal((await cli('gateway-show', 'no-such-gateway')).code, 1);
});

test('gateway-join-token prints a new token once; the old credential stops working', async () => {
  const created = json<Gateway>(await cli('gateway-create', 'edge-rejoin', '--host', 'rejoin.example.com', '--output', 'json'));
  const r = await cli('gateway-join-token', 'edge-rejoin');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Join token\s+sjt_[A-Za-z0-9_-]{43}\nExpires\s+\S+\n.*shown once/);
  const fresh = json<GatewayJoinToken>(await cli('gateway-join-token', created.id, '--output', 'json'));
  const old = /Join token\s+(\S+)/.exec(r.stdout)?.[1] ?? '';
  const join = (token: string) => fetch(`${server.url}/gateway/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ join_token: token }) });
  assert.equal((await join(old)).status, 401, 'the earlier token was replaced');
  assert.equal((await join(fresh.token)).status, 200);
});

test('gateway-delete asks first (refuses without a terminal), deletes with -f, several at once', async () => {
  const a = json<Gateway>(await cli('gateway-create', 'edge-del-a', '--host', 'a.example.com', '--output', 'json'));
  json<Gateway>(await cli('gateway-create', 'edge-del-b', '--host', 'b.example.com', '--output', 'json'));
  const refused = await cli('gateway-delete', 'edge-del-a');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /without confirmation/);
  assert.equal((await api('GET', `/v1/gateways/${a.id}`)).status, 200, 'nothing was deleted');

  const declined = await runCli(['gateway-delete', 'edge-del-a'], { env, stdin: ['n\n'], tty: true });
  assert.equal(declined.code, 1);
  assert.match(declined.stdout, /This will delete gateway edge-del-a and cannot be undone\. Continue \[y\/N\] \?> /);
  assert.equal((await api('GET', `/v1/gateways/${a.id}`)).status, 200);

  const r = await cli('gateway-delete', 'edge-del-a', 'edge-del-b', '-f');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Deleting gateway edge-del-a under account \S+ as user admin\.\.\.\nOK\nDeletion request for gateway edge-del-a has been accepted\./);
  assert.match(r.stdout, /Deletion request for gateway edge-del-b has been accepted\./);
  assert.equal((await api('GET', `/v1/gateways/${a.id}`)).status, 404);
});
