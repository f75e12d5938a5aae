import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { VpnServer } from '../../src/client/types.ts';
import { apiAs, startWithCli, type Result, type Server } from './helpers.ts';

let server: Server;
let cli: (...argv: string[]) => Promise<Result>;
let api: Awaited<ReturnType<typeof apiAs>>;

before(async () => {
  ({ server, cli } = await startWithCli());
  api = await apiAs(server);
});
after(async () => server?.stop());

const json = <T>(r: Result): T => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};

/** Volatile fields (live counters, lifecycle moving on) are left out of comparisons. */
const stable = ({ connected_clients: _c, lifecycle_state: _l, health_state: _h, health_reasons: _hr, lifecycle_reasons: _lr, ...rest }: VpnServer) => rest;

test('vpn-server-create with the reference flags; the JSON is what the API then serves', async () => {
  const created = json<VpnServer>(
    await cli('vpn-server-create', '--name', 'full', '--client-ip-pool', '10.20.0.0/16', '--client-dns', '1.1.1.1,9.9.9.9', '--client-idle-timeout', '300', '--enable-split-tunnel', '--port', '1194', '--protocol', 'tcp', '--client-auth-methods', 'certificate,username', '--client-auto-delete-timeout-seconds', '120', '--output', 'json'),
  );
  assert.equal(created.name, 'full');
  assert.equal(created.client_ip_pool, '10.20.0.0/16');
  assert.deepEqual(created.client_dns_server_ips, [{ address: '1.1.1.1' }, { address: '9.9.9.9' }]);
  assert.equal(created.client_idle_timeout, 300);
  assert.equal(created.enable_split_tunneling, true);
  assert.equal(created.port, 1194);
  assert.equal(created.protocol, 'tcp');
  assert.deepEqual(created.client_authentication.map((a) => a.method), ['certificate', 'username']);
  assert.equal(created.client_auto_delete_timeout_seconds, 120);
  const served = (await api('GET', `/v1/vpn_servers/${created.id}`)).json as VpnServer;
  assert.deepEqual(stable(served), stable(created));
});

test('vpn-server-create human output: progress lines, OK, fields', async () => {
  const r = await cli('vpn-server-create', '--name', 'human', '--client-ip-pool', '10.30.0.0/16', '--port', '1195');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Creating VPN server human under account \S+ as user admin\.\.\.\nOK\nID\s+r\S+\nName\s+human\n/);
  assert.match(r.stdout, /Client IP pool\s+10\.30\.0\.0\/16/);
  const quiet = await cli('vpn-server-create', '--name', 'quiet', '--client-ip-pool', '10.31.0.0/16', '--port', '1196', '-q');
  assert.match(quiet.stdout, /^ID\s+/);
});

test('vpn-servers: table with aligned columns; --output json equals the API list', async () => {
  const table = await cli('vpn-servers');
  assert.equal(table.code, 0);
  const lines = table.stdout.trimEnd().split('\n');
  const header = lines[0] ?? '';
  assert.match(header, /^ID\s+Name\s+Status\s+Health\s+Hostname\s+Port\s+Protocol\s+Client IP pool\s+Clients\s+Created$/);
  const nameColumn = header.indexOf('Name');
  for (const line of lines.slice(1)) assert.match(line.slice(nameColumn), /^(full|human|quiet)\s/);
  assert.match(table.stdout, /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00/, 'local (TZ=UTC) time');

  const listed = json<VpnServer[]>(await cli('vpn-servers', '--output', 'JSON'));
  const fromApi = ((await api('GET', '/v1/vpn_servers')).json as { vpn_servers: VpnServer[] }).vpn_servers;
  assert.deepEqual(listed.map(stable), fromApi.map(stable));
});

test('vpn-server by name and by id show the same server', async () => {
  const byName = json<VpnServer>(await cli('vpn-server', 'full', '--output', 'json'));
  const byId = json<VpnServer>(await cli('vpn-server', byName.id, '--output', 'json'));
  assert.deepEqual(stable(byId), stable(byName));
  const human = await cli('vpn-server', 'full');
  assert.match(human.stdout, /Client DNS\s+1\.1\.1\.1, 9\.9\.9\.9/);
  assert.match(human.stdout, /Client auth methods\s+certificate,username/);
});

test('an unknown server is one FAILED line with the API code, exit 1', async () => {
  const r = await cli('vpn-server', 'no-such-server');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^FAILED not_found: .+\n$/);
});

test('vpn-server-update: name and settings (array fields send If-Match), --reset-client-dns', async () => {
  const renamed = json<VpnServer>(await cli('vpn-server-update', 'human', '--name', 'renamed', '--client-dns', '8.8.8.8', '--client-idle-timeout', '900', '--output', 'json'));
  assert.equal(renamed.name, 'renamed');
  assert.deepEqual(renamed.client_dns_server_ips, [{ address: '8.8.8.8' }]);
  assert.equal(renamed.client_idle_timeout, 900);
  const reset = json<VpnServer>(await cli('vpn-server-update', 'renamed', '--reset-client-dns', '--output', 'json'));
  assert.deepEqual(reset.client_dns_server_ips, []);
  const human = await cli('vpn-server-update', 'renamed', '--protocol', 'udp');
  assert.match(human.stdout, /^Updating VPN server renamed under account \S+ as user admin\.\.\.\nOK\n/);
  const nothing = await cli('vpn-server-update', 'renamed');
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /nothing to update/);
});

test('vpn-server-client-configuration prints the profile or saves it with --file', async () => {
  const printed = await cli('vpn-server-client-configuration', 'full');
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /^client$/m);
  assert.match(printed.stdout, /^proto tcp/m);
  assert.match(printed.stdout, /^remote \S+ 1194$/m);
  assert.match(printed.stdout, /<ca>[\s\S]+<\/ca>/);
  const file = join(await mkdtemp(join(tmpdir(), 'sluice-prof-')), 'full.ovpn');
  const saved = await cli('vpn-server-client-configuration', 'full', '--file', file);
  assert.match(saved.stdout, /saved to/);
  assert.equal(await readFile(file, 'utf8'), printed.stdout);
});

test('vpn-server-client-profile writes a ready-to-connect profile, 0600', async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'sluice-prof-')), 'alice.ovpn');
  const r = await cli('vpn-server-client-profile', 'full', '--common-name', 'alice', '--file', file);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const profile = await readFile(file, 'utf8');
  for (const block of ['ca', 'cert', 'key']) assert.match(profile, new RegExp(`<${block}>[\\s\\S]+</${block}>`));
});

test('vpn-server-delete -f by name and id; several at once; then gone', async () => {
  const quiet = json<VpnServer>(await cli('vpn-server', 'quiet', '--output', 'json'));
  const r = await cli('vpn-server-delete', 'renamed', quiet.id, '-f');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Deleting VPN server renamed under account \S+ as user admin\.\.\.\nOK\nDeletion request for VPN server renamed has been accepted\.\n/);
  assert.match(r.stdout, new RegExp(`Deletion request for VPN server ${quiet.id} has been accepted\\.\\n$`));
  const status = (await api('GET', `/v1/vpn_servers/${quiet.id}`)).status;
  assert.ok(status === 404 || status === 200, 'deleting or gone');
  const quietDelete = await cli('vpn-server-delete', 'full', '-f', '-q');
  assert.equal(quietDelete.stdout, 'Deletion request for VPN server full has been accepted.\n');
});

test('deleting several where one fails: the rest still run, each failure is reported, exit 1', async () => {
  await cli('vpn-server-create', '--name', 'keep-going', '--client-ip-pool', '10.40.0.0/16', '--port', '1197', '-q');
  const r = await cli('vpn-server-delete', 'no-such-server', 'keep-going', '-f');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^FAILED not_found: /);
  assert.match(r.stderr, /FAILED 1 of 2 VPN servers could not be deleted/);
  assert.match(r.stdout, /Deletion request for VPN server keep-going has been accepted\./);
});
