/**
 * A stand-in `openvpn` binary for the load benchmarks (ingest, auth, memory). Sluice's gateway
 * spawns it exactly as it spawns OpenVPN (`--config <file> …`, detached, pid file); it serves the
 * management socket named in that config with the shared FakeManagementServer (which replays
 * real OpenVPN 2.6 framing and is tested against recorded transcripts), and waits on a control
 * socket next to the config for a scenario to play.
 *
 * Running as its own process, like OpenVPN, keeps the fake's CPU out of Sluice's figures.
 */
import net from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FakeManagementServer, tokenize } from '../../test/support/fake-management.ts';
import type { Scenario, ScenarioReport } from './protocol.ts';
import { CONTROL_SOCKET } from './protocol.ts';

function managementSocketOf(configPath: string): string {
  const line = readFileSync(configPath, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('management '));
  const path = line === undefined ? undefined : tokenize(line)[1];
  if (path === undefined) throw new Error(`fake openvpn: no "management <path> unix" in ${configPath}`);
  return path;
}

class Player {
  private issued = 0;
  private decided = 0;
  private allowed = 0;
  private denied = 0;
  private readonly startedAt = new Map<number, number>();
  private readonly latencies: number[] = [];
  private t0 = 0;
  private current: { scenario: Scenario; done: (report: ScenarioReport) => void } | undefined;

  constructor(private readonly fake: FakeManagementServer) {
    // The fake records every command in `commands`; a 100k-session run would keep them all and
    // re-scan them. Tapping the push instead sees each decision the moment it is read, once.
    fake.commands.push = (...lines: string[]): number => {
      for (const line of lines) this.onCommand(line);
      return 0;
    };
  }

  play(scenario: Scenario): Promise<ScenarioReport> {
    if (this.current !== undefined) return Promise.reject(new Error('a scenario is already playing'));
    this.issued = this.decided = this.allowed = this.denied = 0;
    this.latencies.length = 0;
    this.startedAt.clear();
    this.t0 = performance.now();
    return new Promise((resolve) => {
      this.current = { scenario, done: resolve };
      const first = Math.min(scenario.window, scenario.count);
      for (let i = 0; i < first; i++) this.connectNext();
    });
  }

  private connectNext(): void {
    const scenario = this.current?.scenario;
    if (scenario === undefined || this.issued >= scenario.count) return;
    const index = this.issued++;
    const credential = scenario.credentials?.[index % scenario.credentials.length];
    const cid = this.fake.connectClient({
      commonName: scenario.commonName ?? `${scenario.prefix}${index}`,
      ...(scenario.usernames !== false && { username: credential?.username ?? `${scenario.prefix}${index}` }),
      ...(credential !== undefined && { password: credential.password }),
    });
    this.startedAt.set(cid, performance.now());
  }

  private onCommand(line: string): void {
    const current = this.current;
    if (current === undefined) return;
    const [name, cidText] = line.split(' ', 2);
    if (name !== 'client-auth-nt' && name !== 'client-auth' && name !== 'client-deny') return;
    const cid = Number(cidText);
    const began = this.startedAt.get(cid);
    if (began === undefined) return;
    this.startedAt.delete(cid);
    this.latencies.push(performance.now() - began);
    this.decided += 1;
    if (name === 'client-deny') this.denied += 1;
    else this.allowed += 1;
    // The fake answers right after this push returns; ESTABLISHED/DISCONNECT follow that answer.
    setImmediate(() => {
      if (name !== 'client-deny' && current.scenario.establish) this.fake.establish(cid);
      if (name !== 'client-deny' && current.scenario.end) this.fake.disconnectClient(cid);
      this.connectNext();
      if (this.decided === current.scenario.count) this.finish();
    });
  }

  private finish(): void {
    const current = this.current;
    if (current === undefined) return;
    this.current = undefined;
    current.done({ ms: performance.now() - this.t0, allowed: this.allowed, denied: this.denied, latenciesMs: this.latencies.slice() });
  }
}

async function main(): Promise<void> {
  const configIndex = process.argv.indexOf('--config');
  const configPath = process.argv[configIndex + 1];
  if (configIndex < 0 || configPath === undefined) throw new Error('fake openvpn: --config <file> is required');
  const fake = await FakeManagementServer.start({ socketPath: managementSocketOf(configPath), hold: true, daemonPid: process.pid, autoEstablish: false });
  const player = new Player(fake);
  const controlPath = join(dirname(configPath), CONTROL_SOCKET);
  rmSync(controlPath, { force: true });
  const control = net.createServer((socket) => {
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      const scenario = JSON.parse(buffered.slice(0, newline)) as Scenario;
      buffered = buffered.slice(newline + 1);
      player.play(scenario).then(
        (report) => socket.end(`${JSON.stringify(report)}\n`),
        (error: unknown) => socket.end(`${JSON.stringify({ error: String(error) })}\n`),
      );
    });
  });
  control.listen(controlPath);
  const stop = (): void => {
    control.close();
    void fake.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`fake openvpn ${process.pid}: management ${fake.socketPath}, control ${controlPath}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
