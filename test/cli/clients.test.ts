import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { VpnServer } from '../../src/client/types.ts';
import { apiAs, runCliUntil, startWithCli, type Result, type Server } from './helpers.ts';

/** Client records only appear when an OpenVPN client connects; without a gateway the lists are empty. */
let server: Server;
let env: NodeJS.ProcessEnv;
let cli: (...argv: string[]) => Promise<Result>;
let serverId: string;

before(async () => {
  ({ server, env, cli } = await startWithCli());
  serverId = (JSON.parse((await cli('vpn-server-create', '--name', 'office', '--client-ip-pool', '10.8.0.0/16', '--output', 'json')).stdout) as VpnServer).id;
});
after(async () => server?.stop());

test('vpn-server-clients: empty list message, JSON equals the API, filters accepted', async () => {
  const human = await cli('vpn-server-clients', 'office');
  assert.equal(human.code, 0, human.stderr);
  assert.equal(human.stdout, 'No VPN clients were found on VPN server office.\n');
  const api = await apiAs(server);
  const listed = JSON.parse((await cli('vpn-server-clients', 'office', '--output', 'json')).stdout) as unknown[];
  assert.deepEqual(listed, ((await api('GET', `/v1/vpn_servers/${serverId}/clients`)).json as { clients: unknown[] }).clients);
  const filtered = await cli('vpn-server-clients', serverId, '--status', 'connected', '--user', 'alice', '--common-name', 'alice', '--output', 'json');
  assert.equal(filtered.code, 0, filtered.stderr);
  assert.deepEqual(JSON.parse(filtered.stdout), []);
});

test('vpn-server-client with an unknown id: FAILED not_found, exit 1', async () => {
  const r = await cli('vpn-server-client', 'office', 'r001-00000000-0000-0000-0000-000000000000');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^FAILED not_found: .+\n$/);
});

test('disconnect and delete of unknown clients with -f report the API error', async () => {
  const disconnect = await cli('vpn-server-client-disconnect', 'office', 'r001-missing', '-f');
  assert.equal(disconnect.code, 1);
  assert.match(disconnect.stdout, /^Disconnect VPN client r001-missing under account \S+ as user admin\.\.\.\n$/);
  assert.match(disconnect.stderr, /^FAILED not_found: /);
  const del = await cli('vpn-server-client-delete', 'office', 'r001-missing', '-f', '-q');
  assert.equal(del.code, 1);
  assert.equal(del.stdout, '');
  assert.match(del.stderr, /^FAILED not_found: /);
});

test('bulk disconnect by --user / --common-name with nobody connected', async () => {
  const r = await cli('vpn-server-client-disconnect', 'office', '--user', 'alice', '-f');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Disconnect VPN clients of user alice under account \S+ as user admin\.\.\.\nOK\nNo connected VPN clients of user alice were found\.\n$/);
  const cn = await cli('vpn-server-client-disconnect', 'office', '--common-name', 'alice', '-f', '-q');
  assert.equal(cn.code, 0, cn.stderr);
  const both = await cli('vpn-server-client-disconnect', 'office', 'r001-x', '--user', 'alice', '-f');
  assert.equal(both.code, 2);
});

test('--watch renders the table from the live stream and stops cleanly when aborted', async () => {
  const r = await runCliUntil(['vpn-server-clients', 'office', '--watch'], env, (out) => out.includes('No VPN clients.'));
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^VPN clients of office at .+ \(live; Ctrl-C to stop\)\n\nNo VPN clients\.\n/);
  assert.equal(r.stderr, '', 'the event stream opened (no polling fallback)');
});

test('--watch falls back to polling when the stream is unavailable', async () => {
  // A proxy in front of the real server that refuses the event stream but passes everything else.
  const { createServer } = await import('node:http');
  const proxy = createServer(async (request, response) => {
    if (request.url?.includes('/client_events')) {
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"errors":[{"code":"service_unavailable","message":"no streams here"}]}');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const upstream = await fetch(server.url + (request.url ?? ''), { method: request.method ?? 'GET', headers: request.headers as Record<string, string>, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
    response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' }).end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as import('node:net').AddressInfo;
  const proxied = { ...env, SLUICE_ENDPOINT: `http://127.0.0.1:${port}`, SLUICE_API_KEY: server.adminApiKey };
  const r = await runCliUntil(['vpn-server-clients', 'office', '--watch'], proxied, (out) => out.includes('every 2 s'));
  proxy.close();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /event stream is unavailable \(no streams here\); polling every 2 s/);
  assert.match(r.stdout, /\(every 2 s; Ctrl-C to stop\)\n\nNo VPN clients\./);
});
