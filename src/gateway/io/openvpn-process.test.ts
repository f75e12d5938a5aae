import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OpenVpnProcess, readPidFile } from './openvpn-process.ts';

// A stand-in binary named `openvpn`: optionally ignores SIGTERM so the SIGKILL path is exercised.
function stub(dir: string, ignoreTerm: boolean): string {
  const file = path.join(dir, 'openvpn');
  writeFileSync(file, `#!/bin/sh\n${ignoreTerm ? "trap '' TERM\n" : ''}echo "started $*"\nwhile :; do sleep 0.05; done\n`);
  chmodSync(file, 0o755);
  return file;
}

async function waitForOutput(child: OpenVpnProcess, text: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!child.recentOutput.includes(text)) {
    if (Date.now() > deadline) throw new Error(`no "${text}" in output`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('spawns with --config and extra args, stops with SIGTERM', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-proc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = await OpenVpnProcess.spawn({ binary: stub(dir, false), configPath: path.join(dir, 'server.conf'), extraArgs: ['--route-noexec'] });
  await waitForOutput(child, 'started');
  assert.match(child.recentOutput, /started --config .*server\.conf --route-noexec/);
  const exit = await child.stop(5000);
  assert.equal(exit.signal, 'SIGTERM');
});

test('escalates to SIGKILL when SIGTERM is ignored', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-proc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = await OpenVpnProcess.spawn({ binary: stub(dir, true), configPath: path.join(dir, 'server.conf') });
  await waitForOutput(child, 'started'); // printed after the trap is installed
  const exit = await child.stop(200);
  assert.equal(exit.signal, 'SIGKILL');
});

test('a detached process with a pid file can be adopted by a later agent and stopped by pid', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-proc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const configPath = path.join(dir, 'server.conf');
  const pidFile = path.join(dir, 'openvpn.pid');
  const first = await OpenVpnProcess.spawn({ binary: stub(dir, false), configPath, detached: true, pidFile, logFile: path.join(dir, 'log') });
  assert.deepEqual(readPidFile(pidFile), { pid: first.pid, configPath });
  const adopted = await OpenVpnProcess.adopt(pidFile, { pollIntervalMs: 20 });
  assert.ok(adopted !== undefined);
  assert.equal(adopted.process.pid, first.pid);
  await adopted.process.stop(5000);
  assert.equal(await OpenVpnProcess.adopt(pidFile), undefined, 'a dead pid is not adopted');
});

test('a pid file naming some other process is not adopted', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-proc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pidFile = path.join(dir, 'openvpn.pid');
  writeFileSync(pidFile, JSON.stringify({ pid: process.pid, configPath: '/nope.conf' }));
  assert.equal(await OpenVpnProcess.adopt(pidFile), undefined);
  writeFileSync(pidFile, 'garbage');
  assert.equal(await OpenVpnProcess.adopt(pidFile), undefined);
});
