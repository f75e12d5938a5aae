import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { VpnServer, VpnServerRoute } from '../../src/client/types.ts';
import { apiAs, startWithCli, type Result, type Server } from './helpers.ts';

let server: Server;
let cli: (...argv: string[]) => Promise<Result>;
let api: Awaited<ReturnType<typeof apiAs>>;
let serverId: string;

before(async () => {
  ({ server, cli } = await startWithCli());
  api = await apiAs(server);
  serverId = (JSON.parse((await cli('vpn-server-create', '--name', 'office', '--client-ip-pool', '10.8.0.0/16', '--output', 'json')).stdout) as VpnServer).id;
});
after(async () => server?.stop());

const json = <T>(r: Result): T => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};

test('vpn-server-route-create: defaults, --action, --name; JSON equals the API', async () => {
  const lan = json<VpnServerRoute>(await cli('vpn-server-route-create', 'office', '--destination', '192.168.1.0/24', '--name', 'lan', '--output', 'json'));
  assert.equal(lan.action, 'deliver');
  assert.equal(lan.destination, '192.168.1.0/24');
  assert.deepEqual((await api('GET', `/v1/vpn_servers/${serverId}/routes/${lan.id}`)).json, lan);
  const human = await cli('vpn-server-route-create', serverId, '--destination', '172.16.0.0/12', '--action', 'drop', '--name', 'blackhole');
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^Creating route to 172\.16\.0\.0\/12 on VPN server \S+ under account \S+ as user admin\.\.\.\nOK\n/);
  assert.match(human.stdout, /Action\s+drop/);
});

test('a duplicate destination is the API conflict, exit 1', async () => {
  const r = await cli('vpn-server-route-create', 'office', '--destination', '192.168.1.0/24');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^FAILED destination_conflict: /);
});

test('vpn-server-routes table and JSON', async () => {
  const table = await cli('vpn-server-routes', 'office');
  assert.match(table.stdout, /^ID\s+Name\s+Destination\s+Action\s+Access\s+Packets\s+Bytes\s+Status\s+Created\n/);
  assert.match(table.stdout, /\slan\s+192\.168\.1\.0\/24\s+deliver\s+everyone\s+-\s+-\s/, 'no counters while the gateway has not counted');
  const listed = json<VpnServerRoute[]>(await cli('vpn-server-routes', 'office', '--output', 'json'));
  assert.deepEqual(listed, ((await api('GET', `/v1/vpn_servers/${serverId}/routes`)).json as { routes: VpnServerRoute[] }).routes);
});

test('vpn-server-route by name or id; route-update renames', async () => {
  const byName = json<VpnServerRoute>(await cli('vpn-server-route', 'office', 'lan', '--output', 'json'));
  assert.deepEqual(json<VpnServerRoute>(await cli('vpn-server-route', serverId, byName.id, '--output', 'json')), byName);
  const renamed = json<VpnServerRoute>(await cli('vpn-server-route-update', 'office', 'lan', '--name', 'office-lan', '--output', 'json'));
  assert.equal(renamed.id, byName.id);
  assert.equal(renamed.name, 'office-lan');
  const nothing = await cli('vpn-server-route-update', 'office', 'office-lan');
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /nothing to change/);
});

test('access flags: create limited to users and common names, narrow it, lift it; bad combinations are usage errors', async () => {
  const limited = json<VpnServerRoute>(
    await cli('vpn-server-route-create', 'office', '--destination', '10.20.0.0/16', '--name', 'finance', '--access-users', 'alice,bob', '--access-users', 'carol', '--access-common-names', 'build-agent', '--output', 'json'),
  );
  assert.deepEqual(limited.access, { users: ['alice', 'bob', 'carol'], common_names: ['build-agent'] });
  const shown = await cli('vpn-server-route', 'office', 'finance');
  assert.match(shown.stdout, /Access\s+users alice, bob, carol; common names build-agent\n/);
  const narrowed = json<VpnServerRoute>(await cli('vpn-server-route-update', 'office', 'finance', '--access-common-names', 'build-agent', '--output', 'json'));
  assert.deepEqual(narrowed.access, { users: [], common_names: ['build-agent'] });
  const lifted = await cli('vpn-server-route-update', 'office', 'finance', '--access-everyone');
  assert.equal(lifted.code, 0, lifted.stderr);
  assert.match(lifted.stdout, /Access\s+everyone\n/);
  const both = await cli('vpn-server-route-update', 'office', 'finance', '--access-everyone', '--access-users', 'x');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--access-everyone cannot be combined/);
  const dropLimited = await cli('vpn-server-route-create', 'office', '--destination', '10.21.0.0/16', '--action', 'drop', '--access-users', 'alice');
  assert.equal(dropLimited.code, 1);
  assert.match(dropLimited.stderr, /^FAILED invalid_value: a drop route drops for everyone/);
  assert.equal((await cli('vpn-server-route-delete', 'office', 'finance', '-f', '-q')).code, 0);
});

test('vpn-server-route-delete -f by name, several at once', async () => {
  const r = await cli('vpn-server-route-delete', 'office', 'office-lan', 'blackhole', '-f');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout.replace(/account \S+/g, 'account A'),
    [
      'Deleting VPN server route office-lan under account A as user admin...',
      'OK',
      'Deletion request for VPN server route office-lan has been accepted.',
      'Deleting VPN server route blackhole under account A as user admin...',
      'OK',
      'Deletion request for VPN server route blackhole has been accepted.',
      '',
    ].join('\n'),
  );
  const left = await cli('vpn-server-routes', 'office');
  assert.equal(left.stdout, 'No routes were found on VPN server office.\n');
});
