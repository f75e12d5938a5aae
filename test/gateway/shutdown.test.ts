/**
 * `sluice serve` stops when told to, whatever its gateway is doing. A server whose OpenVPN is still
 * starting when SIGTERM arrives must not be attached afterwards: a management socket opened after
 * the agent let go would keep the process alive, and its reconcile would read a closed store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { alive, startSluice } from '../support/sluice-process.ts';
import { TestApi } from '../support/api-client.ts';
import { eventually, freeUdpPort, openvpnAvailable } from '../support/openvpn-client.ts';

const run = openvpnAvailable() ? test : test.skip;
/** Generous for a loaded machine; a stuck process never exits at all. */
const EXIT_DEADLINE_MS = 20_000;

run('SIGTERM while a server’s openvpn is still starting: serve exits, nothing attaches afterwards', async (t) => {
  // OpenVPN that takes two seconds before it opens its management socket.
  const dir = mkdtempSync(join(tmpdir(), 'sluice-slow-openvpn-'));
  const slow = join(dir, 'openvpn');
  const real = execFileSync('sh', ['-c', 'command -v openvpn'], { encoding: 'utf8' }).trim();
  writeFileSync(slow, `#!/bin/sh\nsleep 2\nexec ${real} "$@"\n`);
  chmodSync(slow, 0o755);
  const sluice = await startSluice({ env: { SLUICE_OPENVPN_BINARY: slow } });
  try {
    const api = await new TestApi(sluice.url, sluice.adminApiKey).login();
    const server = await api.ok('POST', '/v1/vpn_servers', { port: await freeUdpPort(), client_ip_pool: '10.91.0.0/20', client_authentication: [{ method: 'certificate' }] });
    // Spawned (its pid file is written) but not yet serving a management socket.
    await eventually('openvpn spawned', async () => sluice.openvpnPidOf(String(server.id)));
    const signalled = Date.now();
    process.kill(sluice.pid, 'SIGTERM');
    await eventually('sluice serve to exit', async () => (alive(sluice.pid) ? undefined : true), EXIT_DEADLINE_MS);
    t.diagnostic(`exited ${Date.now() - signalled} ms after SIGTERM`);
    assert.doesNotMatch(sluice.output(), /driver has already been destroyed/, 'nothing used the store after it closed');
  } finally {
    await sluice.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
