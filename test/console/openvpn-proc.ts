/**
 * A real `openvpn` client process for the console end-to-end test, started from a profile the
 * Sluice API issued. It runs with `--dev null` (no tun device or routes needed): the session is
 * real on the server side, which is all the console shows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface OpenVpnClientProcess {
  name: string;
  /** Resolves on "Initialization Sequence Completed"; rejects at the deadline or on early exit. */
  connected(timeoutMs: number): Promise<void>;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  running(): boolean;
  /** The last lines of output, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export function startOpenVpnClient(name: string, profile: string): OpenVpnClientProcess {
  const dir = mkdtempSync(path.join(tmpdir(), `sluice-e2e-ovpn-${name}-`));
  const config = path.join(dir, 'client.ovpn');
  writeFileSync(config, profile, { mode: 0o600 });
  const child: ChildProcess = spawn(
    'openvpn',
    ['--config', config, '--dev', 'null', '--ifconfig-noexec', '--route-noexec', '--verb', '3', '--connect-retry-max', '1', '--resolv-retry', '0'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let done = false;
  let onConnected: (() => void) | undefined;
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
    if (output.includes('Initialization Sequence Completed')) onConnected?.();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      done = true;
      rmSync(dir, { recursive: true, force: true });
      resolve(code);
    });
  });
  return {
    name,
    exited,
    running: () => !done,
    log: () => output.split('\n').slice(-25).join('\n'),
    connected(timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        if (output.includes('Initialization Sequence Completed')) return resolve();
        const timer = setTimeout(() => reject(new Error(`openvpn ${name} did not connect within ${timeoutMs} ms:\n${output.slice(-3000)}`)), timeoutMs);
        onConnected = () => {
          clearTimeout(timer);
          resolve();
        };
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`openvpn ${name} exited (${code}) before connecting:\n${output.slice(-3000)}`));
        });
      });
    },
    async stop() {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits for the process to end, or fails naming it at the deadline. */
export async function waitForExit(p: OpenVpnClientProcess, timeoutMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`openvpn ${p.name} still running ${timeoutMs} ms after the disconnect:\n${p.log()}`)), timeoutMs);
  });
  try {
    return await Promise.race([p.exited, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
