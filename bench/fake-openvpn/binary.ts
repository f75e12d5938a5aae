import net from 'node:net';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTROL_SOCKET, type Scenario, type ScenarioReport } from './protocol.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/**
 * Writes an executable `openvpn` into `dir` that starts the fake (main.ts). The gateway runs it
 * with cwd = the server's own directory, so tsx is named by absolute URL, not by package name.
 */
export function installFakeOpenvpn(dir: string): string {
  const binary = join(dir, 'openvpn');
  const tsx = import.meta.resolve('tsx');
  writeFileSync(binary, `#!/bin/sh\nexec '${process.execPath}' --import '${tsx}' '${MAIN}' "$@"\n`);
  chmodSync(binary, 0o755);
  return binary;
}

/** Asks the fake openvpn serving `serverDir` to play a scenario; resolves with its report. */
export function playScenario(serverDir: string, scenario: Scenario): Promise<ScenarioReport> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path: join(serverDir, CONTROL_SOCKET) });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => {
      const reply = JSON.parse(text) as ScenarioReport | { error: string };
      if ('error' in reply) reject(new Error(`fake openvpn: ${reply.error}`));
      else resolve(reply);
    });
    socket.write(`${JSON.stringify(scenario)}\n`);
  });
}

/**
 * The fake on its own, for baselines: a config naming only the management socket, the same
 * binary Sluice would spawn. Returns the socket path and a stop function (kill by pid).
 */
export async function startStandaloneFake(dir: string): Promise<{ socket: string; stop: () => Promise<void> }> {
  const socket = join(dir, 'mgmt.sock');
  const config = join(dir, 'server.conf');
  writeFileSync(config, `management ${socket} unix\n`);
  const child = spawn(installFakeOpenvpn(dir), ['--config', config], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!existsSync(join(dir, CONTROL_SOCKET))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('standalone fake openvpn did not start');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    socket,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
