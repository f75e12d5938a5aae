/**
 * The agent's runtime decisions carried out in-process, on a manual clock: the real GatewayAgent
 * and ServerRuntime, the fake management socket (real protocol, real unix socket) as OpenVPN's
 * management interface, a stand-in process that opens that socket and can crash, and a recording
 * control plane. Time moves only when a test advances the clock, so "not before, exactly at" is
 * checked to the millisecond; only real-socket IO is waited for, with a deadline.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AgentReply, AgentRequest, ControlPlaneChannel, KillOrder, ServerSpec, ServerStateReport } from '../channel.ts';
import type { ExitInfo, SpawnOptions } from '../io/openvpn-process.ts';
import { GatewayAgent } from './agent.ts';
import type { OpenVpnLauncher, RunningOpenVpn } from './openvpn-launcher.ts';
import type { RuntimeOptions } from './server-runtime.ts';
import { serverPaths } from './server-files.ts';
import { FakeClock, settle } from '../../../test/support/fake-clock.ts';
import { FakeManagementServer } from '../../../test/support/fake-management.ts';

const SERVER_ID = 'r-vpn-1';
const EPOCH = 1_767_225_000;
/** The agent's tick period (agent.ts): the supervisor acts on ticks. */
const TICK_MS = 250;

/** Real-socket IO happens in real time: wait for it, with a deadline, while the fake clock stands still. */
async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    // A short real pause rather than a spin: the socket's peer is in this process too.
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** An `openvpn` stand-in: its management interface is the fake socket, opened when told to. */
class FakeOpenVpn implements RunningOpenVpn {
  readonly exited: Promise<ExitInfo>;
  exitStatus: ExitInfo | undefined;
  readonly recentOutput = '';
  readonly signals: string[] = [];
  management: FakeManagementServer | undefined;
  private resolveExit: (exit: ExitInfo) => void = () => undefined;

  constructor(
    readonly pid: number,
    private readonly socketPath: string,
    private readonly epoch: number,
    private readonly killDisconnectDelayMs: number,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  /** The process has initialised far enough to listen on its management socket. */
  async open(): Promise<FakeManagementServer> {
    rmSync(this.socketPath, { force: true });
    this.management = await FakeManagementServer.start({ socketPath: this.socketPath, daemonStartTime: this.epoch, killDisconnectDelayMs: this.killDisconnectDelayMs });
    return this.management;
  }

  /** Dies: the socket goes first, as with OpenVPN, then the exit is seen. */
  async crash(exit: ExitInfo = { code: 1, signal: null }): Promise<void> {
    await this.management?.close();
    this.exitStatus = exit;
    this.resolveExit(exit);
  }

  signal(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    if (this.exitStatus !== undefined) return false;
    void this.crash({ code: null, signal });
    return true;
  }

  async stop(): Promise<ExitInfo> {
    this.signal('SIGTERM');
    return this.exited;
  }
}

class FakeLauncher implements OpenVpnLauncher {
  readonly spawned: FakeOpenVpn[] = [];

  constructor(
    private readonly socketPath: string,
    /** Whether a spawned process opens its socket at once, or only when the test says. */
    private readonly openAtSpawn: boolean,
    private readonly killDisconnectDelayMs: number,
  ) {}

  async spawn(_options: SpawnOptions): Promise<RunningOpenVpn> {
    const process = new FakeOpenVpn(5000 + this.spawned.length, this.socketPath, EPOCH + this.spawned.length, this.killDisconnectDelayMs);
    this.spawned.push(process);
    if (this.openAtSpawn) await process.open();
    return process;
  }

  adopt(): Promise<RunningOpenVpn | undefined> {
    return Promise.resolve(undefined);
  }

  get current(): FakeOpenVpn {
    const process = this.spawned.at(-1);
    assert.ok(process, 'no openvpn spawned');
    return process;
  }
}

/** The control plane as the agent sees it: one server, every request recorded and answered. */
class RecordingControlPlane implements ControlPlaneChannel {
  readonly requests: AgentRequest[] = [];
  pendingKills: KillOrder[] = [];

  constructor(private readonly spec: ServerSpec) {}

  request<R extends AgentRequest>(request: R): Promise<AgentReply<R>> {
    this.requests.push(request);
    return Promise.resolve(this.reply(request) as AgentReply<R>);
  }

  states(): ServerStateReport[] {
    return this.requests.flatMap((r) => (r.type === 'server_state' ? [r.state] : []));
  }

  lastState(): string | undefined {
    const state = this.states().at(-1);
    return state && `${state.lifecycle}/${state.health}${state.reasons.map((r) => ` ${r.code}`).join('')}`;
  }

  private reply(request: AgentRequest): AgentReply<AgentRequest> {
    switch (request.type) {
      case 'list_servers':
        return { serverIds: [this.spec.id] };
      case 'get_server':
        return { server: this.spec };
      case 'stored_sessions':
        return { sessions: [] };
      case 'authorize':
        return { allow: true };
      case 'pending_kills':
        return { kills: this.pendingKills };
      default:
        return {};
    }
  }
}

const spec: ServerSpec = {
  id: SERVER_ID,
  name: 'office',
  revision: 'rev-1',
  port: 1194,
  protocol: 'udp',
  clientIpPool: '10.77.0.0/16',
  dnsServers: [],
  splitTunnel: false,
  idleTimeoutSeconds: 0,
  authMethods: { certificate: false, username: true },
  routes: [],
  serverCertificatePem: 'server certificate',
  serverKeyPem: 'server key',
  clientCaPem: 'client ca',
  crlPem: undefined,
};

interface Rig {
  clock: FakeClock;
  agent: GatewayAgent;
  launcher: FakeLauncher;
  control: RecordingControlPlane;
  socketPath: string;
}

interface RigOptions {
  openAtSpawn?: boolean;
  killGraceMs?: number;
  degradedForMs?: number;
  /** Real ms before the fake reports a killed client's DISCONNECT (OpenVPN: 5 s). */
  killDisconnectDelayMs?: number;
}

async function startRig(t: TestContext, options: RigOptions = {}): Promise<Rig> {
  const gatewayDir = mkdtempSync(join(tmpdir(), 'sluice-agent-clock-'));
  const clock = new FakeClock();
  const socketPath = serverPaths(gatewayDir, SERVER_ID).socket;
  const launcher = new FakeLauncher(socketPath, options.openAtSpawn ?? true, options.killDisconnectDelayMs ?? 60_000);
  const control = new RecordingControlPlane(spec);
  const runtimeOptions: RuntimeOptions = {
    gatewayDir,
    openvpnBinary: 'openvpn',
    extraArgs: [],
    timers: {},
    degradedForMs: options.degradedForMs ?? 60_000,
    now: clock.now,
    scheduler: clock,
    launcher,
    killGraceMs: options.killGraceMs,
  };
  const agent = new GatewayAgent(control, runtimeOptions, pino({ level: process.env.TEST_LOG ?? 'silent' }));
  t.after(async () => {
    const detached = agent.detach(100);
    await clock.advance(100);
    await detached;
    await Promise.all(launcher.spawned.map((p) => p.management?.close()));
    rmSync(gatewayDir, { recursive: true, force: true });
  });
  await agent.start();
  await agent.settled(SERVER_ID);
  return { clock, agent, launcher, control, socketPath };
}

/** Waits until the runtime's state report says `state` (attaching is real-socket IO). */
const reported = (rig: Rig, state: string): Promise<string> => until(`state ${state} (last: ${rig.control.lastState()})`, () => (rig.control.lastState() === state ? state : undefined));

/** A client that connected and was let in; resolves with its session key. */
async function connectedClient(rig: Rig, address: { ip: string; port: number }): Promise<{ cid: number; sessionKey: string }> {
  const management = rig.launcher.current.management;
  assert.ok(management);
  const cid = management.connectClient({ username: 'uma', password: 'secret', ...address });
  const sessionKey = `${EPOCH + rig.launcher.spawned.length - 1}:${cid}`;
  await until(`session ${sessionKey} recorded`, () => rig.control.requests.find((r) => r.type === 'session_established' && r.session.sessionKey === sessionKey));
  return { cid, sessionKey };
}

const commandsLike = (management: FakeManagementServer | undefined, prefix: string): string[] => (management?.commands ?? []).filter((c) => c.startsWith(prefix));

/** Crashes the running openvpn (on a tick) and checks its replacement comes exactly when `backoffMs` has passed. */
async function crashAndRestartAfter(rig: Rig, backoffMs: number): Promise<void> {
  const before = rig.launcher.spawned.length;
  await rig.launcher.current.crash();
  await reported(rig, 'stable/degraded openvpn_restarting');
  await rig.clock.advance(backoffMs - 1);
  assert.equal(rig.launcher.spawned.length, before, `no restart before the ${backoffMs} ms back-off has passed`);
  await rig.clock.advance(1);
  assert.equal(rig.launcher.spawned.length, before + 1, `restarted when the ${backoffMs} ms back-off has passed`);
  await reported(rig, 'stable/degraded openvpn_restarted');
}

test('a crashed openvpn is restarted once the back-off has passed, not a tick before; again twice as late', async (t) => {
  const rig = await startRig(t);
  await reported(rig, 'stable/ok');
  // Crash on a tick, so the back-off (1 s for a first failure) ends on one too.
  await rig.clock.advance(TICK_MS);
  await crashAndRestartAfter(rig, 1000);
  await rig.clock.advance(10 * TICK_MS);
  assert.equal(rig.launcher.spawned.length, 2, 'the serving replacement is left alone');
  // It dies again long before it counts as stable: the back-off doubles.
  await crashAndRestartAfter(rig, 2000);
});

test('after a crash the server is degraded for the window, then ok again', async (t) => {
  const degradedForMs = 5000;
  const rig = await startRig(t, { degradedForMs });
  await reported(rig, 'stable/ok');
  await rig.clock.advance(TICK_MS);
  await crashAndRestartAfter(rig, 1000);

  // The window counts from the replacement serving, which happened at the restart tick.
  await rig.clock.advance(degradedForMs - TICK_MS);
  assert.equal(rig.control.lastState(), 'stable/degraded openvpn_restarted', 'still degraded inside the window');
  await rig.clock.advance(TICK_MS);
  assert.equal(rig.control.lastState(), 'stable/ok', 'ok once the window has passed');
  assert.deepEqual(
    rig.control.states().map((s) => s.health),
    ['inapplicable', 'ok', 'degraded', 'degraded', 'ok'],
    'each state reported once, in order',
  );
});

test('attach retries while the socket is not open yet, then attaches', async (t) => {
  const rig = await startRig(t, { openAtSpawn: false });
  await rig.clock.advance(2000);
  assert.equal(rig.control.lastState(), 'pending/inapplicable', 'nothing to attach to yet');
  assert.ok(rig.clock.pending > 0, 'the attach is waiting on the clock');

  const management = await rig.launcher.current.open();
  assert.equal(management.attached, false, 'no connection before the next retry');
  await rig.clock.advance(50);
  await reported(rig, 'stable/ok');
  assert.ok(management.attached && !management.held, 'attached and released the hold');
  assert.equal(rig.launcher.spawned.length, 1, 'the slow starter was not restarted');
});

test('a state report goes out only when it says something new', async (t) => {
  const rig = await startRig(t);
  await reported(rig, 'stable/ok');
  const before = rig.control.states().length;
  await rig.clock.advance(120 * TICK_MS);
  await rig.agent.reload();
  await rig.agent.settled(SERVER_ID);
  assert.equal(rig.control.states().length, before, 'ticks and an unchanged spec say nothing new');
});

test('a kill asked for twice goes out once', async (t) => {
  const rig = await startRig(t);
  await reported(rig, 'stable/ok');
  const { cid, sessionKey } = await connectedClient(rig, { ip: '198.18.7.9', port: 41000 });
  const kill: KillOrder = { sessionKey, reason: 'disconnected by an administrator' };
  const management = rig.launcher.current.management;

  rig.agent.notify({ type: 'kill_requested', serverId: SERVER_ID, kills: [kill] });
  rig.agent.notify({ type: 'kill_requested', serverId: SERVER_ID, kills: [kill] });
  // The same intent read from the store (another replica's notice) is no new kill either.
  rig.control.pendingKills = [kill];
  rig.agent.notify({ type: 'kill_requested', serverId: SERVER_ID });
  await rig.agent.settled(SERVER_ID);
  await until('the kill', () => management?.kills[0]);
  // Every kill was written before the work settled; a `status` written after it arrives after them.
  const polls = commandsLike(management, 'status').length;
  await rig.clock.advance(30_000);
  await until('a later command', () => (commandsLike(management, 'status').length > polls ? true : undefined));
  assert.deepEqual(management?.kills.map((k) => k.cid), [cid]);
  assert.equal(commandsLike(management, `client-kill ${cid} `).length, 1);
});

test('the `kill IP:port` follow-up goes out exactly at the grace', async (t) => {
  const killGraceMs = 400;
  const rig = await startRig(t, { killGraceMs });
  await reported(rig, 'stable/ok');
  const { cid, sessionKey } = await connectedClient(rig, { ip: '198.18.7.9', port: 41000 });
  const management = rig.launcher.current.management;
  rig.agent.notify({ type: 'kill_requested', serverId: SERVER_ID, kills: [{ sessionKey, reason: 'bye' }] });
  await until('the HALT', () => commandsLike(management, `client-kill ${cid} `)[0]);
  await settle();

  await rig.clock.advance(killGraceMs - 1);
  assert.deepEqual(commandsLike(management, 'kill '), [], 'nothing before the grace');
  await rig.clock.advance(1);
  await until('the follow-up', () => commandsLike(management, 'kill ')[0]);
  assert.deepEqual(commandsLike(management, 'kill '), ['kill 198.18.7.9:41000']);
  await until('the session ended', () => rig.control.requests.find((r) => r.type === 'session_ended' && r.session.sessionKey === sessionKey));
});

test('no follow-up for an address that changed hands during the grace', async (t) => {
  const killGraceMs = 400;
  const rig = await startRig(t, { killGraceMs });
  await reported(rig, 'stable/ok');
  const address = { ip: '198.18.7.9', port: 41000 };
  const first = await connectedClient(rig, address);
  const management = rig.launcher.current.management;
  assert.ok(management);
  rig.agent.notify({ type: 'kill_requested', serverId: SERVER_ID, kills: [{ sessionKey: first.sessionKey, reason: 'bye' }] });
  await until('the HALT', () => commandsLike(management, `client-kill ${first.cid} `)[0]);
  // The killed client leaves and another takes over its address before the grace is up.
  management.disconnectClient(first.cid);
  const second = await connectedClient(rig, address);

  await rig.clock.advance(killGraceMs);
  // Commands go out in order: a follow-up fired by the advance would precede this kill.
  rig.agent.notify({ type: 'kill_requested', serverId: SERVER_ID, kills: [{ sessionKey: second.sessionKey, reason: 'bye' }] });
  await until('the second HALT', () => commandsLike(management, `client-kill ${second.cid} `)[0]);
  assert.deepEqual(commandsLike(management, 'kill '), [], 'the new holder of the address was spared');
});
