import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ControlPlaneChannel, LiveSession, ServerSpec, ServerStateReport } from '../channel.ts';
import { defaultPolicy, initialSupervisorState, supervise, type SupervisorAction, type SupervisorInput, type SupervisorPolicy, type SupervisorState } from '../core/supervisor.ts';
import type { EstablishedFact, SessionFact, SessionKey } from '../core/sessions.ts';
import { reconcile } from '../core/reconcile.ts';
import type { StatusSnapshot } from '../core/status.ts';
import { ManagementConnection, type AuthDecision } from '../io/management-connection.ts';
import { OpenVpnProcess, readPidFile, removePidFile, writePidFile } from '../io/openvpn-process.ts';
import { parseCidr } from '../openvpn-config.ts';
import { readRevision, removeServerFiles, serverPaths, writeCrl, writeServerFiles, type ServerPaths, type TestTimers } from './server-files.ts';
import { ServerTally } from '../core/tally.ts';
import type { KillCause } from '../metrics.ts';

export interface RuntimeOptions {
  gatewayDir: string;
  openvpnBinary: string;
  extraArgs: string[];
  timers: TestTimers;
  policy?: Partial<SupervisorPolicy>;
  /** How long health stays `degraded` after OpenVPN died and came back. */
  degradedForMs: number;
  now(): number;
  /** This gateway's name in its metrics (`local` inside `sluice serve`). */
  gatewayName?: string;
  /** How often changed metrics go to the control plane, at most (ms). */
  metricsReportMs?: number;
  /** How often `status` is read for byte counts and tunnel activity (ms). */
  statusPollMs?: number;
}

const STATUS_POLL_MS = 30_000;

const keyText = (key: SessionKey): string => `${key.processStart}:${key.cid}`;

function parseSessionKey(text: string): SessionKey {
  const [processStart = 0, cid = -1] = text.split(':').map(Number);
  return { processStart, cid };
}

/** What `status` would say of a process that is gone: every stored session of it has ended. */
const NO_CLIENTS: StatusSnapshot = { time: undefined, title: undefined, clients: [], globalStats: new Map(), skippedRows: 0 };

/**
 * Runs one VPN server: renders its files, starts (or re-adopts) `openvpn`, holds the management
 * socket, turns session facts into reports, answers auth, executes kills and keeps the process
 * alive. Decisions about the process come from the pure supervisor; this class only carries them
 * out.
 */
export class ServerRuntime {
  private state: SupervisorState = initialSupervisorState;
  private readonly policy: SupervisorPolicy;
  private readonly paths: ServerPaths;
  private spec: ServerSpec | undefined;
  private process: OpenVpnProcess | undefined;
  private connection: ManagementConnection | undefined;
  /** Kills sent to the current process, with why they were asked for. */
  private readonly killsSent = new Map<string, KillCause | undefined>();
  private restartAfterStop = false;
  private removeAfterStop = false;
  private lastCrashAt: number | undefined;
  private lastReport = '';
  private attaching = false;
  private readonly sessionChains = new Map<string, Promise<void>>();
  private killPass: Promise<void> | undefined;
  private killAgain = false;
  private savedEpoch: number | undefined;
  private lastSpawnError: string | undefined;
  /** Set by detach(): the control plane is going away, its store with it. */
  private inert = false;
  /** Pid of the process that reached `attached`: its exit is a crash, not a failed start. */
  private servedBy: number | undefined;
  private spawnedBefore = false;
  private lastPoll = 0;

  constructor(
    readonly serverId: string,
    private readonly channel: ControlPlaneChannel,
    private readonly options: RuntimeOptions,
    private readonly log: Logger,
    private readonly tally: ServerTally = new ServerTally(),
  ) {
    this.policy = { ...defaultPolicy, ...options.policy };
    this.paths = serverPaths(options.gatewayDir, serverId);
  }

  get running(): boolean {
    return this.state.phase !== 'stopped';
  }

  /** Starts the server, re-adopting an `openvpn` left running by a previous control plane. */
  async start(spec: ServerSpec): Promise<void> {
    this.spec = spec;
    const adoptable = existsSync(this.paths.pidFile) && readRevision(this.paths) === spec.revision;
    const adopted = adoptable ? await OpenVpnProcess.adopt(this.paths.pidFile) : undefined;
    if (adopted) {
      writeCrl(this.paths, spec.crlPem);
      this.dispatch({ type: 'start' }, false);
      this.track(adopted.process);
      this.dispatch({ type: 'adopted', pid: adopted.process.pid });
      return;
    }
    await this.stopStray();
    writeServerFiles(this.paths, spec, this.options.timers);
    this.dispatch({ type: 'start' });
  }

  /** The control plane says the server changed: restart on a new revision, else refresh quietly. */
  async update(spec: ServerSpec): Promise<void> {
    const previous = this.spec;
    this.spec = spec;
    if (previous?.revision === spec.revision) {
      writeCrl(this.paths, spec.crlPem);
      await this.report();
      return;
    }
    this.log.info({ serverId: this.serverId }, 'configuration changed; restarting openvpn');
    this.restartAfterStop = true;
    this.lastReport = '';
    this.dispatch({ type: 'stop' });
  }

  /** The server was deleted: stop OpenVPN, remove its files, then tell the control plane. */
  remove(): void {
    this.removeAfterStop = true;
    if (this.state.phase === 'stopped') void this.afterStopped();
    else this.dispatch({ type: 'stop' });
  }

  /** Leaves OpenVPN running for the next control plane, lets go of the socket and stops reacting. */
  detach(): void {
    this.inert = true;
    this.connection?.close();
    this.connection = undefined;
  }

  tick(): void {
    this.dispatch({ type: 'tick' });
    this.pollStatus();
    if (this.lastCrashAt !== undefined && this.options.now() - this.lastCrashAt > this.options.degradedForMs) {
      this.lastCrashAt = undefined;
      void this.report();
    }
  }

  /** Executes disconnect/delete intents recorded in the store for sessions of this process. */
  async executeKills(): Promise<void> {
    // Notices come in bursts (a bulk disconnect); one pass at a time, and one more if any came
    // in meanwhile, reads every pending intent without a query per notice.
    if (this.killPass) {
      this.killAgain = true;
      return this.killPass;
    }
    this.killPass = (async () => {
      do {
        this.killAgain = false;
        await this.killPending();
      } while (this.killAgain);
    })().finally(() => {
      this.killPass = undefined;
    });
    return this.killPass;
  }

  private async killPending(): Promise<void> {
    const connection = this.connection;
    if (!connection?.isOpen) return;
    const { kills } = await this.channel.request({ type: 'pending_kills', serverId: this.serverId });
    const epoch = connection.processStart;
    const due = kills.filter((kill) => {
      const { processStart, cid } = parseSessionKey(kill.sessionKey);
      return processStart === epoch && cid >= 0 && !this.killsSent.has(kill.sessionKey);
    });
    for (const kill of due) this.killsSent.set(kill.sessionKey, kill.cause);
    // Written back to back: OpenVPN answers in order, and no client waits for another's reply.
    await Promise.all(
      due.map((kill) =>
        connection.killClient(parseSessionKey(kill.sessionKey).cid, kill.reason).catch((error: unknown) => {
          // Gone already: the DISCONNECT (or the next reconcile) settles the record.
          this.log.info({ serverId: this.serverId, session: kill.sessionKey, err: error }, 'client-kill refused');
        }),
      ),
    );
  }

  /**
   * Facts of one session are handled in order (its end must not overtake its start on the way to
   * the store); different sessions proceed concurrently, so one slow auth does not hold up others.
   */
  private inSessionOrder(fact: SessionFact): void {
    const key = keyText(fact.key);
    const previous = this.sessionChains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.onFact(fact))
      .catch((error: unknown) => this.log.error({ serverId: this.serverId, err: error }, 'session fact failed'))
      .finally(() => {
        if (this.sessionChains.get(key) === next) this.sessionChains.delete(key);
      });
    this.sessionChains.set(key, next);
  }

  private dispatch(input: SupervisorInput, act = true): void {
    if (this.inert) return;
    const step = supervise(this.state, input, this.options.now(), this.policy);
    const before = this.state;
    this.state = step.state;
    if (act) for (const action of step.actions) void this.perform(action);
    if (before.phase !== this.state.phase || before.attached !== this.state.attached) {
      void this.report();
      if (this.state.phase === 'stopped' && before.phase !== 'stopped') void this.afterStopped();
    }
  }

  private async perform(action: SupervisorAction): Promise<void> {
    try {
      if (action.type === 'spawn') await this.spawn();
      else if (action.type === 'attach') await this.attach();
      else this.process?.signal(action.signal);
    } catch (error) {
      this.log.warn({ serverId: this.serverId, err: error }, `openvpn ${action.type} failed`);
      if (action.type === 'spawn') {
        this.lastSpawnError = error instanceof Error ? error.message : String(error);
        this.dispatch({ type: 'spawn-failed', error: this.lastSpawnError });
      }
    }
  }

  private async spawn(): Promise<void> {
    if (this.spawnedBefore) this.tally.restarted();
    this.spawnedBefore = true;
    if (this.spec && readRevision(this.paths) !== this.spec.revision) writeServerFiles(this.paths, this.spec, this.options.timers);
    const process = await OpenVpnProcess.spawn({
      binary: this.options.openvpnBinary,
      configPath: this.paths.config,
      extraArgs: this.options.extraArgs,
      cwd: this.paths.dir,
      detached: true,
      pidFile: this.paths.pidFile,
      logFile: this.paths.log,
    });
    this.track(process);
    this.lastSpawnError = undefined;
    this.dispatch({ type: 'spawned', pid: process.pid });
  }

  private track(process: OpenVpnProcess): void {
    this.process = process;
    this.spawnedBefore = true;
    void process.exited.then((exit) => {
      if (this.process !== process || this.inert) return;
      // The management socket usually closes first, so "was serving" is remembered per process.
      if (this.state.wanted && this.servedBy === process.pid) this.lastCrashAt = this.options.now();
      this.log.warn({ serverId: this.serverId, pid: process.pid, code: exit.code, signal: exit.signal }, 'openvpn exited');
      this.connection?.close();
      this.connection = undefined;
      this.killsSent.clear();
      this.dispatch({ type: 'exited', pid: process.pid, code: exit.code, signal: exit.signal });
      // Every session of that process is over; the store learns it now rather than at re-attach.
      void this.reconcileWith(NO_CLIENTS, 0).catch(() => undefined);
    });
  }

  /** Connects to the management socket, releases the hold, reconciles, executes pending intents. */
  private async attach(): Promise<void> {
    if (this.attaching) return;
    this.attaching = true;
    try {
      const connection = await this.connectWithRetry();
      if (!connection) return;
      this.connection = connection;
      const saved = readPidFile(this.paths.pidFile)?.processStart;
      if (saved !== undefined) connection.setProcessStart(saved);
      connection.on('fact', (fact) => this.inSessionOrder(fact));
      connection.on('close', ({ error }) => {
        if (this.connection !== connection) return;
        this.connection = undefined;
        if (error) this.dispatch({ type: 'detached' });
      });
      await connection.holdRelease();
      const status = await this.statusWhenServing(connection);
      await this.reconcileWith(status, connection.processStart ?? 0);
      this.tally.polled(status, connection.processStart ?? 0);
      this.servedBy = this.process?.pid;
      this.dispatch({ type: 'attached' });
      await this.executeKills();
    } finally {
      this.attaching = false;
    }
  }

  private async connectWithRetry(): Promise<ManagementConnection | undefined> {
    const deadline = this.options.now() + this.policy.attachTimeoutMs;
    while (this.options.now() < deadline && this.process?.exitStatus === undefined) {
      if (existsSync(this.paths.socket)) {
        const connection = new ManagementConnection({ socketPath: this.paths.socket, connectTimeoutMs: 2000 });
        try {
          await connection.connect();
          return connection;
        } catch {
          connection.close();
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return undefined;
  }

  /** `status` is refused until the hold is released and the server initialised; ask until it answers. */
  private async statusWhenServing(connection: ManagementConnection): Promise<StatusSnapshot> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await connection.status();
      } catch (error) {
        if (attempt > 100 || !connection.isOpen) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /**
   * The store keeps exactly OpenVPN's live sessions as connected: sessions it lists that OpenVPN
   * does not are ended, live ones it lacks are recorded. The comparison is the pure core's.
   */
  private async reconcileWith(status: StatusSnapshot, processStart: number): Promise<void> {
    const { sessions } = await this.channel.request({ type: 'stored_sessions', serverId: this.serverId });
    const byKey = new Map(sessions.map((s) => [s.sessionKey, s]));
    const stored = sessions.map((s) => ({ key: parseSessionKey(s.sessionKey), startedAt: s.startedAt }));
    const { ended, discovered } = reconcile(stored, status, processStart);
    const endedAt = this.options.now();
    for (const key of ended) {
      const session = byKey.get(keyText(key));
      const processEnded = status === NO_CLIENTS || key.processStart !== processStart ? this.stopping() ?? 'restarted' : undefined;
      this.tally.ended(keyText(key), { received: session?.bytesReceived, sent: session?.bytesSent }, { killed: this.killsSent.get(keyText(key)), processEnded, idleTimeoutSeconds: 0, endedAt });
      await this.channel.request({
        type: 'session_ended',
        serverId: this.serverId,
        session: { sessionKey: keyText(key), endedAt, bytesSent: session?.bytesSent ?? 0, bytesReceived: session?.bytesReceived ?? 0 },
      });
    }
    for (const live of discovered) {
      this.tally.established(keyText(live.key), live.clientIp, false);
      await this.channel.request({ type: 'session_established', serverId: this.serverId, session: this.liveSession({ ...live, startedAt: live.startedAt ?? endedAt }) });
    }
    if (ended.length > 0 || discovered.length > 0) this.log.info({ serverId: this.serverId, ended: ended.length, discovered: discovered.length }, 'reconciled sessions with openvpn');
  }

  /** The record's fields; CN only under certificate auth and user ID only under username auth, as in the reference. */
  private liveSession(fields: Pick<EstablishedFact, 'key' | 'clientIp' | 'remoteIp' | 'remotePort' | 'commonName' | 'username' | 'startedAt'>): LiveSession {
    return {
      sessionKey: keyText(fields.key),
      clientIp: fields.clientIp ?? '',
      remoteIp: fields.remoteIp ?? '',
      remotePort: fields.remotePort ?? 0,
      commonName: this.spec?.authMethods.certificate ? (fields.commonName ?? null) : null,
      username: this.spec?.authMethods.username ? (fields.username ?? null) : null,
      startedAt: fields.startedAt,
    };
  }

  private async onFact(fact: SessionFact): Promise<void> {
    if (fact.key.processStart > 0) this.rememberEpoch(fact.key.processStart);
    switch (fact.type) {
      case 'auth_request': {
        const decision = await this.decide(fact.reauth, fact.username, fact.password, fact.commonName);
        if (!fact.reauth) this.tally.authDecided(decision.allow ? 'allowed' : 'denied');
        await this.connection?.authorize(fact.key.cid, fact.kid, decision);
        return;
      }
      case 'established':
        this.tally.established(keyText(fact.key), fact.clientIp);
        await this.channel.request({ type: 'session_established', serverId: this.serverId, session: this.liveSession(fact) });
        return;
      case 'disconnected':
        this.tally.ended(keyText(fact.key), { received: fact.bytesReceived, sent: fact.bytesSent }, {
          killed: this.killsSent.get(keyText(fact.key)),
          processEnded: fact.cause === 'process_restarted' ? this.stopping() ?? 'restarted' : this.stopping(),
          idleTimeoutSeconds: this.spec?.idleTimeoutSeconds ?? 0,
          endedAt: fact.endedAt,
        });
        this.killsSent.delete(keyText(fact.key));
        if (!fact.wasEstablished) return;
        await this.channel.request({
          type: 'session_ended',
          serverId: this.serverId,
          session: { sessionKey: keyText(fact.key), endedAt: fact.endedAt, bytesSent: fact.bytesSent ?? 0, bytesReceived: fact.bytesReceived ?? 0 },
        });
        return;
      case 'auth_expired':
        this.tally.authDecided('expired');
        return;
    }
  }

  /**
   * A REAUTH is the hourly TLS renegotiation of a session that already passed: the one-time
   * passcode it repeats is spent, and the certificate is checked again by TLS and the CRL.
   */
  private async decide(reauth: boolean, username: string | undefined, password: string | undefined, commonName: string | undefined): Promise<AuthDecision> {
    if (reauth) return { allow: true };
    const decision = await this.channel.request({ type: 'authorize', serverId: this.serverId, username, password, commonName });
    if (!decision.allow) return { allow: false, reason: decision.reason, clientReason: 'AUTH_FAILED' };
    const routes = this.spec?.splitTunnel ? this.spec.routes.filter((r) => r.action !== 'drop') : [];
    const config = routes.map((r) => {
      const { network, netmask } = parseCidr('routes.destination', r.destination);
      return `push "route ${network} ${netmask}"`;
    });
    return config.length > 0 ? { allow: true, config } : { allow: true };
  }

  /** Sessions that end while OpenVPN is being stopped end because of why it is stopped. */
  private stopping(): 'deleted' | 'restarted' | undefined {
    if (this.removeAfterStop) return 'deleted';
    return this.restartAfterStop ? 'restarted' : undefined;
  }

  /** Reads `status` now and then for byte counts and tunnel activity (metrics, idle detection). */
  private pollStatus(): void {
    const connection = this.connection;
    const now = this.options.now();
    // Often enough to see a session's traffic within its idle timeout, so idle exits are told apart.
    const idleMs = (this.spec?.idleTimeoutSeconds ?? 0) * 1000;
    const every = Math.max(1000, Math.min(this.options.statusPollMs ?? STATUS_POLL_MS, idleMs > 0 ? idleMs / 2 : Number.POSITIVE_INFINITY));
    if (!connection?.isOpen || this.attaching || now - this.lastPoll < every) return;
    this.lastPoll = now;
    connection.status().then(
      (status) => this.tally.polled(status, connection.processStart ?? 0),
      (error: unknown) => this.log.debug({ serverId: this.serverId, err: error }, 'status poll failed'),
    );
  }

  /** Keeps OpenVPN's daemon_start_time in the pid file, so a re-attached agent keys sessions alike. */
  private rememberEpoch(processStart: number): void {
    if (this.savedEpoch === processStart) return;
    const saved = readPidFile(this.paths.pidFile);
    if (saved && saved.processStart !== processStart) writePidFile(this.paths.pidFile, { ...saved, processStart });
    this.savedEpoch = processStart;
  }

  /** A process that outlived a removed server or a changed revision is not ours to keep. */
  private async stopStray(): Promise<void> {
    const stray = existsSync(this.paths.pidFile) ? await OpenVpnProcess.adopt(this.paths.pidFile) : undefined;
    if (stray) await stray.process.stop(this.policy.stopTimeoutMs);
    removePidFile(this.paths.pidFile);
  }

  private async afterStopped(): Promise<void> {
    this.process = undefined;
    removePidFile(this.paths.pidFile);
    if (this.removeAfterStop) {
      removeServerFiles(this.paths);
      await this.channel.request({ type: 'server_stopped', serverId: this.serverId });
      return;
    }
    if (this.restartAfterStop && this.spec) {
      this.restartAfterStop = false;
      writeServerFiles(this.paths, this.spec, this.options.timers);
      this.dispatch({ type: 'start' });
    }
  }

  private stateReport(): ServerStateReport {
    const s = this.state;
    const exit = s.lastExit;
    const exitText = exit ? `openvpn exited${exit.code !== null ? ` with code ${exit.code}` : ''}${exit.signal ? ` on ${exit.signal}` : ''} at ${new Date(exit.at).toISOString()}` : '';
    if (s.phase === 'running' && s.attached) {
      if (this.lastCrashAt !== undefined) {
        return { lifecycle: 'stable', health: 'degraded', reasons: [{ code: 'openvpn_restarted', message: `${exitText}; restarted and sessions reconciled` }] };
      }
      return { lifecycle: 'stable', health: 'ok', reasons: [] };
    }
    if (s.phase === 'backoff') {
      const everRan = this.lastCrashAt !== undefined;
      const log = (this.process?.recentOutput ?? '').trim().split('\n').at(-1) ?? '';
      return everRan
        ? { lifecycle: 'stable', health: 'degraded', reasons: [{ code: 'openvpn_restarting', message: `${exitText}; restarting` }] }
        : { lifecycle: 'failed', health: 'faulted', reasons: [{ code: 'openvpn_failed_to_start', message: `${exitText || `openvpn did not start${this.lastSpawnError ? ` (${this.lastSpawnError})` : ''}`}; see ${this.paths.log}${log ? `: ${log}` : ''}` }] };
    }
    return { lifecycle: 'pending', health: 'inapplicable', reasons: [] };
  }

  private async report(): Promise<void> {
    if (this.removeAfterStop || this.restartAfterStop) return;
    const state = this.stateReport();
    this.tally.health(state.health);
    const text = JSON.stringify(state);
    if (text === this.lastReport) return;
    this.lastReport = text;
    await this.channel.request({ type: 'server_state', serverId: this.serverId, state }).catch((error: unknown) => this.log.warn({ err: error }, 'state report failed'));
  }
}
