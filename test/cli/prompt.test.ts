import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { VpnServer, VpnServerRoute } from '../../src/client/types.ts';
import { apiAs, runInPty, spawnCli, startWithCli, type Result, type Server } from './helpers.ts';

/**
 * The confirmation through a real pseudo-terminal (util-linux `script`), and the refusal when
 * stdin is not a terminal. Each case runs the CLI as a real process.
 */
let server: Server;
let env: NodeJS.ProcessEnv;
let cli: (...argv: string[]) => Promise<Result>;
let api: Awaited<ReturnType<typeof apiAs>>;
let serverId: string;

before(async () => {
  ({ server, env, cli } = await startWithCli());
  api = await apiAs(server);
  serverId = (JSON.parse((await cli('vpn-server-create', '--name', 'office', '--client-ip-pool', '10.8.0.0/16', '--output', 'json')).stdout) as VpnServer).id;
});
after(async () => server?.stop());

let nextNet = 50;
const routeNamed = async (name: string): Promise<string> => {
  const r = await cli('vpn-server-route-create', 'office', '--destination', `10.${nextNet++}.0.0/16`, '--name', name, '--output', 'json');
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as VpnServerRoute).id;
};
const routeExists = async (id: string): Promise<boolean> => (await api('GET', `/v1/vpn_servers/${serverId}/routes/${id}`)).status === 200;
const PROMPT = 'This will delete VPN server route r-yes and cannot be undone. Continue [y/N] ?> ';

test('answering y deletes, with the progress lines', async () => {
  const id = await routeNamed('r-yes');
  const r = await runInPty(['vpn-server-route-delete', 'office', 'r-yes'], env, 'y\n');
  assert.equal(r.code, 0, r.stdout);
  assert.ok(r.stdout.includes(PROMPT), r.stdout);
  const after = r.stdout.slice(r.stdout.indexOf(PROMPT) + PROMPT.length);
  assert.match(after, /^Deleting VPN server route r-yes under account \S+ as user admin\.\.\.\nOK\nDeletion request for VPN server route r-yes has been accepted\.\n$/);
  assert.equal(await routeExists(id), false);
});

for (const [label, input] of [
  ['n', 'n\n'],
  ['an empty answer', '\n'],
  ['anything but y/yes', 'sure\n'],
  ['end of file', null],
] as const) {
  test(`answering ${label} cancels with exit 1 and deletes nothing`, async () => {
    const id = await routeNamed(`r-${label.replace(/\W+/g, '-')}`);
    const r = await runInPty(['vpn-server-route-delete', 'office', id], env, input);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`This will delete VPN server route ${id} and cannot be undone\\. Continue \\[y/N\\] \\?> `));
    assert.match(r.stdout, /Cancelled\.\n$/);
    assert.doesNotMatch(r.stdout, /Deleting|FAILED/);
    assert.equal(await routeExists(id), true);
  });
}

test('the disconnect session in the reference shape; one prompt covers several ids', async () => {
  const r = await runInPty(['vpn-server-client-disconnect', 'office', 'r001-aaa', 'r001-bbb'], env, 'yes\n');
  assert.match(r.stdout, /This will disconnect VPN clients r001-aaa, r001-bbb and cannot be undone\. Continue \[y\/N\] \?> /);
  assert.equal(r.stdout.match(/Continue \[y\/N\]/g)?.length, 1);
  // No such clients exist without a gateway: each reaches the API and is reported.
  assert.match(r.stdout, /Disconnect VPN client r001-aaa under account \S+ as user admin\.\.\.\n/);
  assert.match(r.stdout, /Disconnect VPN client r001-bbb under account \S+ as user admin\.\.\.\n/);
  assert.match(r.stdout, /FAILED not_found: /);
  assert.equal(r.code, 1);
});

test('without a TTY and without -f the CLI refuses at once, exit 1, nothing deleted', async () => {
  const id = await routeNamed('r-notty');
  const r = await spawnCli(['vpn-server-route-delete', 'office', 'r-notty'], env, 'y\n');
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^FAILED refusing to delete VPN server route r-notty without confirmation: stdin is not a terminal, so there is no one to confirm; use -f to skip the confirmation\n$/);
  assert.equal(await routeExists(id), true);
  const forced = await spawnCli(['vpn-server-route-delete', 'office', 'r-notty', '-f', '-q'], env);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(forced.stdout, 'Deletion request for VPN server route r-notty has been accepted.\n');
  assert.equal(await routeExists(id), false);
});

test('real process exit codes: usage 2, API failure 1, ok 0; no stack trace', async () => {
  assert.equal((await spawnCli(['vpn-server-routes'], env)).code, 2);
  const failed = await spawnCli(['vpn-server', 'nope'], env);
  assert.equal(failed.code, 1);
  assert.doesNotMatch(failed.stderr, /\bat .+:\d+:\d+/);
  assert.equal((await spawnCli(['vpn-servers'], env)).code, 0);
});
