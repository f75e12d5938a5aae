import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { main } from './main.ts';
import { memoryIo } from './test-io.ts';

/** Parsing and exit codes only: nothing here reaches a server. */
const run = async (argv: string[], env: NodeJS.ProcessEnv = { SLUICE_CONFIG_DIR: '/nonexistent/sluice-test' }) => {
  const m = memoryIo({ env });
  const code = await main(argv, m.io);
  return { code, stdout: m.stdout(), stderr: m.stderr() };
};

test('--help exits 0 and lists the verbs', async () => {
  const r = await run(['--help']);
  assert.equal(r.code, 0);
  for (const verb of ['vpn-servers', 'vpn-server-client-disconnect', 'vpn-server-route-delete', 'completion']) assert.match(r.stdout, new RegExp(`\\b${verb}\\b`));
});

const usageCases: [string, string[], RegExp][] = [
  ['unknown flag', ['vpn-servers', '--bogus'], /unknown option '--bogus'/],
  ['missing argument', ['vpn-server'], /missing required argument 'server'/],
  ['bad value', ['vpn-server-create', '--client-ip-pool', '10.0.0.0/16', '--port', 'abc'], /--port <port>' argument 'abc' is invalid/],
  ['missing mandatory option', ['vpn-server-create'], /--client-ip-pool <cidr>' not specified/],
  ['unknown verb', ['vpn-server-frobnicate'], /unknown command/],
  ['bad --output', ['vpn-servers', '--output', 'yaml'], /expected one of: json/],
  ['bad --status', ['vpn-server-clients', 's', '--status', 'gone'], /connected, disconnected/],
];

for (const [name, argv, message] of usageCases) {
  test(`usage error (${name}) prints the verb's usage and exits 2`, async () => {
    const r = await run(argv);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /Usage: sluice/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('a usage error found by the command itself also exits 2 with usage', async () => {
  const r = await run(['vpn-server-client-disconnect', 'srv'], { SLUICE_ENDPOINT: 'http://127.0.0.1:9', SLUICE_API_KEY: 'k', SLUICE_CONFIG_DIR: '/nonexistent' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing client ids/);
  assert.match(r.stderr, /Usage: sluice vpn-server-client-disconnect/);
});

test('not logged in is one FAILED line, exit 1', async () => {
  const r = await run(['vpn-servers']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /^FAILED not logged in/);
});

/** A loopback port nobody listens on: bind one, then release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('an unreachable endpoint is one line without --debug and a stack with it', async () => {
  const env = { SLUICE_ENDPOINT: `http://127.0.0.1:${await closedPort()}`, SLUICE_API_KEY: 'k', SLUICE_CONFIG_DIR: '/nonexistent' };
  const plain = await run(['vpn-servers'], env);
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /^FAILED cannot reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  assert.equal(plain.stderr.trim().split('\n').length, 1);
  const debug = await run(['vpn-servers', '--debug'], env);
  assert.match(debug.stderr, /\n\s+at /);
});
