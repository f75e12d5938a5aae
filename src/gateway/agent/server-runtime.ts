import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ControlPlaneChannel, KillOrder, LiveSession, ServerSpec, ServerStateReport } from '../channel.ts';
import { defaultPolicy, initialSupervisorState, supervise, type SupervisorAction, type SupervisorInput, type SupervisorPolicy, type SupervisorState } from '../core/supervisor.ts';
import { parseSessionKey, sessionKeyText, type AuthRequestFact, type EstablishedFact, type SessionFact} from '../core/sessions.ts';
import { reconcile } from '../core/reconcile.ts';
import type { StatusSnapshot } from '../core/status.ts';
import { CrashWindow, healthReport } from '../core/health.ts';
import { endTimeOf, parseLogHistory, type LogLine } from '../core/session-end.ts';
import { ManagementConnection, type AuthDecision } from '../io/management-connection.ts';
import { readPidFile, removePidFile, writePidFile } from '../io/openvpn-process.ts';
import { systemLauncher, type OpenVpnLauncher, type RunningOpenVpn } from './openvpn-launcher.ts';
import { systemScheduler, type Cancel, type Scheduler } from './clock.ts';
import { parseCidr } from '../openvpn-config.ts';
import { deviceName } from '../dataplane/names.ts';
import { readDevice, readRevision, removeServerFiles, restrictSocket, serverPaths, writeCrl, writeServerFiles, type ServerPaths, type TestTimers } from './server-files.ts';
import type { DataPlaneHost } from './dataplane-host.ts';
import { ServerDataPlane, withDataPlaneHealth } from './server-dataplane.ts';
import { DEFAULT_TRAFFIC_TIMERS, SessionTraffic, type TrafficTimers } from './session-traffic.ts';
import { LastSeenMark } from './last-seen.ts';
import { endUnansweredAttempts } from './unanswered.ts';
import { settleWithin } from './settle-within.ts';
import { ServerTally } from '../core/tally.ts';
import { KillLedger } from '../core/kill-ledger.ts';
import { alarmNeeded } from '../core/kill-followup.ts';
import { statusPollDue } from '../core/status-poll.ts';
import { ATTACH_RETRY_MS, askStatusAgain, attachStep } from '../core/attach.ts';
import { ReportGate } from '../core/report-gate.ts';

export interface RuntimeOptions {
  gatewayDir: string;
  openvpnBinary: string;
  extraArgs: string[];
  timers: TestTimers;
  policy?: Partial<SupervisorPolicy>;
  /** How long health stays `degraded` after OpenVPN died and came back. */
  degradedForMs: number;
  now(): number;
  /** The host's data plane; absent with `--dataplane none` (routes are then only pushed). */
  dataplane?: DataPlaneHost | undefined;
  traffic?: TrafficTimers;
  /** Every timer and wait of the runtime (and its agent's tick); Node's timers when absent. */
  scheduler?: Scheduler | undefined;
  /** Starts and adopts `openvpn`; the real binary when absent. */
  launcher?: OpenVpnLauncher | undefined;
  /** This gateway's name in its metrics (`local` inside `sluice serve`). */
  gatewayName?: string;
  /** How often changed metrics go to the control plane, at most (ms). */
  metricsReportMs?: number;
  /** How often `status` is read for byte counts and tunnel activity (ms). */
  statusPollMs?: number;
  /**
   * Grace (ms) from an accepted `client-kill … HALT` to the `kill IP:port` that ends the session
   * without OpenVPN's 5 s exit interval; undefined: no follow-up (OpenVPN's own interval).
   */
  killGraceMs?: number | undefined;
  /** The address OpenVPN binds (`local`); every address when absent. */
  listenAddress?: string | undefined;
  /** Tells this gateway's tun devices from another's on the same host (`names.ts`). */
  deviceTag?: string | undefined;
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
  private process: RunningOpenVpn | undefined;
  private readonly scheduler: Scheduler;
  private readonly launcher: OpenVpnLauncher;
  private connection: ManagementConnection | undefined;
  /** Kills sent to the current process, with why they were asked for. */
  private readonly kills = new KillLedger();
  private restartAfterStop = false;
  private removeAfterStop = false;
  /** The degraded window after a crash: when a serving process died, and when its replacement served. */
  private readonly crash = new CrashWindow();
  /** Only a report that says something new goes to the control plane. */
  private readonly reports = new ReportGate();
  /** Reports go out one after another, so an older state never lands after a newer one. */
  private reporting: Promise<void> = Promise.resolve();
  private readonly lastSeen: LastSeenMark;
  private attaching = false;
  private readonly sessionChains = new Map<string, Promise<void>>();
  private killPass: Promise<void> | undefined;
  private killAgain = false;
  /** Kills sent straight from a notice, still awaiting OpenVPN's answer (drained on detach). */
  private readonly directKills = new Set<Promise<void>>();
  /** Fires when the next `kill IP:port` follow-up is due (`followUpAt`). */
  private cancelFollowUp: Cancel | undefined;
  private followUpAt: number | undefined;
  private savedEpoch: number | undefined;
  private lastSpawnError: string | undefined;
  /** Set by detach(): the control plane is going away, its store with it. */
  private inert = false;
  /** Pid of the process that reached `attached`: its exit is a crash, not a failed start. */
  private servedBy: number | undefined;
  private readonly dataplane: ServerDataPlane | undefined;
  private readonly traffic: SessionTraffic;
  private spawnedBefore = false;
  /** This server's tun device on this host. */
  private readonly device: string;
  private lastPoll = 0;

  constructor(
    readonly serverId: string,
    private readonly channel: ControlPlaneChannel,
    private readonly options: RuntimeOptions,
    private readonly log: Logger,
    private readonly tally: ServerTally = new ServerTally(),
  ) {
    this.policy = { ...defaultPolicy, ...options.policy };
    this.scheduler = options.scheduler ?? systemScheduler;
    this.launcher = options.launcher ?? systemLauncher;
    this.paths = serverPaths(options.gatewayDir, serverId);
    this.lastSeen = new LastSeenMark(this.paths.lastSeen);
    this.device = deviceName(serverId, options.deviceTag);
    this.dataplane = options.dataplane && new ServerDataPlane(options.dataplane, serverId, `${this.paths.dir}/dataplane.json`, channel, () => void this.report(), this.device);
    this.traffic = new SessionTraffic(serverId, channel, log, options.traffic ?? DEFAULT_TRAFFIC_TIMERS, options.now);
  }

  get running(): boolean {
    return this.state.phase !== 'stopped';
  }

  /** Attached to a serving OpenVPN (kills can go out now). */
  get attached(): boolean {
    return this.connection?.isOpen === true && this.state.attached && !this.attaching && !this.inert;
  }

  /** Starts the server, re-adopting an `openvpn` left running by a previous control plane. */
  async start(spec: ServerSpec): Promise<void> {
    this.spec = spec;
    // The table is in place before OpenVPN releases any client (or, for an adopted process, kept).
    await this.dataplane?.configure(spec);
    // A process started by an earlier Sluice with an unnamed tun device cannot be filtered: restart it.
    const adoptable = existsSync(this.paths.pidFile) && readRevision(this.paths) === spec.revision && readDevice(this.paths) === this.device;
    const adopted = adoptable ? await this.launcher.adopt(this.paths.pidFile) : undefined;
    if (adopted) {
      writeCrl(this.paths, spec.crlPem);
      this.dispatch({ type: 'start' }, false);
      this.track(adopted);
      this.dispatch({ type: 'adopted', pid: adopted.pid });
      return;
    }
    await this.stopStray();
    this.writeFiles(spec);
    this.dispatch({ type: 'start' });
  }

  private writeFiles(spec: ServerSpec): void {
    writeServerFiles(this.paths, spec, { device: this.device, listenAddress: this.options.listenAddress, timers: this.options.timers });
  }

  /** The control plane says the server changed: restart on a new revision, else refresh quietly. */
  async update(spec: ServerSpec): Promise<void> {
    const previous = this.spec;
    this.spec = spec;
    // Routes and who may use them apply to live sessions at once, without restarting OpenVPN.
    await this.dataplane?.configure(spec);
    if (previous?.revision === spec.revision) {
      writeCrl(this.paths, spec.crlPem);
      await this.report();
      return;
    }
    this.log.info({ serverId: this.serverId }, 'configuration changed; restarting openvpn');
    this.restartAfterStop = true;
    this.reports.reset();
    this.dispatch({ type: 'stop' });
  }

  /** The server was deleted: stop OpenVPN, remove its files, then tell the control plane. */
  remove(): void {
    this.removeAfterStop = true;
    if (this.state.phase === 'stopped') void this.afterStopped();
    else this.dispatch({ type: 'stop' });
  }

  /**
   * Leaves OpenVPN running for the next control plane, lets go of the socket and stops reacting.
   * Answers and reports already under way are finished first (up to `drainMs`): a client whose
   * CONNECT is being decided gets its answer rather than waiting for the next agent.
   */
  async detach(drainMs = 2000): Promise<void> {
    this.inert = true;
    await settleWithin([...this.sessionChains.values(), this.killPass, ...this.directKills], drainMs, this.scheduler);
    if (this.connection?.isOpen) this.lastSeen.touch(this.options.now(), true);
    this.clearFollowUpTimer();
    this.connection?.close();
    this.connection = undefined;
  }

  tick(): void {
    this.dispatch({ type: 'tick' });
    this.dataplane?.tick(this.options.now());
    this.traffic.tick();
    this.pollStatus();
    if (this.connection?.isOpen && this.state.attached) this.lastSeen.touch(this.options.now());
    // The degraded window ends with time alone; report() sends only what changed.
    if (!this.crash.active) return;
    void this.report();
    this.crash.expire(this.options.now(), this.options.degradedForMs);
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

  /**
   * Kills named by the notice itself (the intent travels with it): sent at once, without asking
   * the control plane for pending intents. Without an attached connection nothing is sent; the
   * intent stays in the store and the pass after attach carries it out.
   */
  killNow(kills: readonly KillOrder[]): void {
    const connection = this.connection;
    if (!connection?.isOpen || this.inert) return;
    const sent = this.sendKills(connection, kills).finally(() => this.directKills.delete(sent));
    this.directKills.add(sent);
  }

  private async killPending(): Promise<void> {
    const connection = this.connection;
    if (!connection?.isOpen) return;
    const { kills } = await this.channel.request({ type: 'pending_kills', serverId: this.serverId });
    await this.sendKills(connection, kills);
  }

  private async sendKills(connection: ManagementConnection, kills: readonly KillOrder[]): Promise<void> {
    const due = this.kills.due(kills, connection.processStart);
    for (const { kill } of due) {
      // Nothing of the session passes from now on, though OpenVPN reports its end seconds later.
      this.dataplane?.sessionEnded(kill.sessionKey);
    }
    // Written together and released at once, so they leave in one write now: OpenVPN answers in
    // order, and no client waits for another's reply or for the rest of this turn.
    const replies = due.map(({ kill, key }) =>
      connection.killClient(key.cid, kill.reason).catch((error: unknown) => {
        // Gone already: the DISCONNECT (or the next reconcile) settles the record.
        this.log.info({ serverId: this.serverId, session: kill.sessionKey, err: error }, 'client-kill refused');
      }),
    );
    connection.releaseWrites();
    await Promise.all(replies);
    if (due.length > 0) this.scheduleFollowUps(connection);
  }

  /** Arms the timer for the earliest `kill IP:port` follow-up due on this connection. */
  private scheduleFollowUps(connection: ManagementConnection): void {
    const delay = connection.followUpDelayMs();
    if (delay === undefined || this.connection !== connection || this.inert) return;
    const at = this.options.now() + delay;
    if (!alarmNeeded(this.followUpAt, at)) return;
    this.clearFollowUpTimer();
    this.followUpAt = at;
    this.cancelFollowUp = this.scheduler.after(delay, () => {
      this.cancelFollowUp = this.followUpAt = undefined;
      if (this.connection !== connection || !connection.isOpen) return;
      connection.sendFollowUps().then(
        (sent) => {
          if (sent.length > 0) this.log.debug({ serverId: this.serverId, sessions: sent.map((f) => sessionKeyText(f.key)) }, 'killed halted sessions by address');
          this.scheduleFollowUps(connection);
        },
        (error: unknown) => this.log.info({ serverId: this.serverId, err: error }, 'follow-up kill failed'),
      );
    });
  }

  private clearFollowUpTimer(): void {
    this.cancelFollowUp?.();
    this.cancelFollowUp = this.followUpAt = undefined;
  }

  /**
   * Facts of one session are handled in order (its end must not overtake its start on the way to
   * the store); different sessions proceed concurrently, so one slow auth does not hold up others.
   */
  private inSessionOrder(fact: SessionFact): void {
    const key = sessionKeyText(fact.key);
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
    // A new process runs what this version renders (e.g. its keepalive), not an older rendering.
    if (this.spec) this.writeFiles(this.spec);
    const process = await this.launcher.spawn({
      binary: this.options.openvpnBinary,
      configPath: this.paths.config,
      extraArgs: this.options.extraArgs,
      cwd: this.paths.dir,
      detached: true,
      pidFile: this.paths.pidFile,
      logFile: this.paths.log,
    });
    this.track(process);
    this.dataplane?.processStarted();
    this.lastSpawnError = undefined;
    this.dispatch({ type: 'spawned', pid: process.pid });
  }

  private track(process: RunningOpenVpn): void {
    this.process = process;
    this.spawnedBefore = true;
    void process.exited.then((exit) => {
      if (this.process !== process || this.inert) return;
      // The management socket usually closes first, so "was serving" is remembered per process.
      if (this.state.wanted && this.servedBy === process.pid) {
        this.crash.crashed(this.options.now());
      }
      this.log.warn({ serverId: this.serverId, pid: process.pid, code: exit.code, signal: exit.signal }, 'openvpn exited');
      this.connection?.close();
      this.connection = undefined;
      this.kills.processGone();
      this.dataplane?.replaceSessions([]);
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
      restrictSocket(this.paths);
      this.connection = connection;
      const saved = readPidFile(this.paths.pidFile)?.processStart;
      if (saved !== undefined) connection.setProcessStart(saved);
      connection.on('fact', (fact) => this.inSessionOrder(fact));
      connection.on('close', ({ error }) => {
        if (this.connection !== connection) return;
        this.connection = undefined;
        this.clearFollowUpTimer();
        if (error) this.dispatch({ type: 'detached' });
      });
      await this.dataplane?.ensure();
      await connection.holdRelease();
      this.traffic.attach(connection);
      const status = await this.statusWhenServing(connection);
      const away = { log: await this.logHistory(connection), lastSeen: this.lastSeen.read() };
      await this.reconcileWith(status, connection.processStart ?? 0, away);
      this.dataplane?.replaceSessions(this.identitiesOf(status, connection.processStart ?? 0));
      this.tally.polled(status, connection.processStart ?? 0);
      await endUnansweredAttempts(connection, status, this.channel, this.serverId, this.log);
      this.servedBy = this.process?.pid;
      this.crash.serving(this.options.now());
      this.lastSeen.touch(this.options.now(), true);
      this.dispatch({ type: 'attached' });
      await this.executeKills();
    } finally {
      this.attaching = false;
    }
  }

  private async connectWithRetry(): Promise<ManagementConnection | undefined> {
    const deadline = this.options.now() + this.policy.attachTimeoutMs;
    for (;;) {
      const step = attachStep({ now: this.options.now(), deadline, processExited: this.process?.exitStatus !== undefined, detached: this.inert, socketExists: existsSync(this.paths.socket) });
      if (step === 'give_up') return undefined;
      const connection = step === 'connect' ? await this.tryConnect() : undefined;
      // Detached while connecting: an open socket nobody owns would keep the process alive.
      if (connection && this.inert) connection.close();
      else if (connection) return connection;
      await this.scheduler.sleep(ATTACH_RETRY_MS);
    }
  }

  private async tryConnect(): Promise<ManagementConnection | undefined> {
    const connection = new ManagementConnection({ socketPath: this.paths.socket, connectTimeoutMs: 2000, killGraceMs: this.options.killGraceMs, clock: { now: this.options.now } });
    try {
      await connection.connect();
      return connection;
    } catch {
      connection.close();
      return undefined;
    }
  }

  /** `status` is refused until the hold is released and the server initialised; ask until it answers. */
  private async statusWhenServing(connection: ManagementConnection): Promise<StatusSnapshot> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await connection.status();
      } catch (error) {
        if (!askStatusAgain(attempt, connection.isOpen)) throw error;
        await this.scheduler.sleep(ATTACH_RETRY_MS);
      }
    }
  }

  /** OpenVPN's recent log lines, to date the ends of sessions that ended while nobody was attached. */
  private async logHistory(connection: ManagementConnection): Promise<LogLine[]> {
    try {
      return parseLogHistory(await connection.logHistory());
    } catch {
      return [];
    }
  }

  /**
   * The store keeps exactly OpenVPN's live sessions as connected: sessions it lists that OpenVPN
   * does not are ended, live ones it lacks are recorded. The comparison is the pure core's.
   * `away` dates ends nobody saw (after an outage); without it they ended now (the process exit).
   */
  private async reconcileWith(status: StatusSnapshot, processStart: number, away?: { log: LogLine[]; lastSeen: number | undefined }): Promise<void> {
    const { sessions } = await this.channel.request({ type: 'stored_sessions', serverId: this.serverId });
    const byKey = new Map(sessions.map((s) => [s.sessionKey, s]));
    const stored = sessions.map((s) => ({ key: parseSessionKey(s.sessionKey), startedAt: s.startedAt }));
    const { ended, discovered } = reconcile(stored, status, processStart);
    const endedAt = this.options.now();
    for (const key of ended) {
      const session = byKey.get(sessionKeyText(key));
      const at = session && away ? endTimeOf(session, away.log, away.lastSeen, endedAt) : endedAt;
      const processEnded = status === NO_CLIENTS || key.processStart !== processStart ? this.stopping() ?? 'restarted' : undefined;
      this.tally.ended(sessionKeyText(key), { received: session?.bytesReceived, sent: session?.bytesSent }, { killed: this.kills.causeOf(sessionKeyText(key)), processEnded, idleTimeoutSeconds: 0, endedAt: at });
      await this.channel.request({
        type: 'session_ended',
        serverId: this.serverId,
        session: { sessionKey: sessionKeyText(key), endedAt: at, bytesSent: session?.bytesSent ?? 0, bytesReceived: session?.bytesReceived ?? 0 },
      });
    }
    for (const live of discovered) {
      this.tally.established(sessionKeyText(live.key), live.clientIp, false);
      await this.channel.request({ type: 'session_established', serverId: this.serverId, session: this.liveSession({ ...live, startedAt: live.startedAt ?? endedAt }) });
    }
    if (ended.length > 0 || discovered.length > 0) this.log.info({ serverId: this.serverId, ended: ended.length, discovered: discovered.length }, 'reconciled sessions with openvpn');
  }

  /** What access rules look at, from `status 3`: established sessions only. */
  private identitiesOf(status: StatusSnapshot, processStart: number): { sessionKey: string; address: string; username: string | null; commonName: string | null }[] {
    return status.clients.flatMap((client) => {
      if (client.virtualAddress === undefined) return [];
      const live = this.liveSession({ key: { processStart, cid: client.cid }, clientIp: client.virtualAddress, remoteIp: undefined, remotePort: undefined, commonName: client.commonName, username: client.username, startedAt: 0 });
      return [{ sessionKey: live.sessionKey, address: live.clientIp, username: live.username, commonName: live.commonName }];
    });
  }

  /** The record's fields; CN only under certificate auth and user ID only under username auth, as in the reference. */
  private liveSession(fields: Pick<EstablishedFact, 'key' | 'clientIp' | 'remoteIp' | 'remotePort' | 'commonName' | 'username' | 'startedAt'> & { certSerial?: string | undefined }): LiveSession {
    return {
      ...(fields.certSerial !== undefined && { certSerial: fields.certSerial }),
      sessionKey: sessionKeyText(fields.key),
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
        const decision = await this.decide(fact);
        if (!fact.reauth) this.tally.authDecided(decision.allow ? 'allowed' : 'denied');
        await this.connection?.authorize(fact.key.cid, fact.kid, decision);
        return;
      }
      case 'established': {
        this.tally.established(sessionKeyText(fact.key), fact.clientIp);
        const session = this.liveSession(fact);
        if (!this.kills.has(session.sessionKey)) this.dataplane?.sessionStarted(session.sessionKey, { address: session.clientIp, username: session.username, commonName: session.commonName });
        await this.channel.request({ type: 'session_established', serverId: this.serverId, session });
        return;
      }
      case 'disconnected':
        this.dataplane?.sessionEnded(sessionKeyText(fact.key));
        this.traffic.forget(sessionKeyText(fact.key));
        this.tally.ended(sessionKeyText(fact.key), { received: fact.bytesReceived, sent: fact.bytesSent }, {
          killed: this.kills.causeOf(sessionKeyText(fact.key)),
          processEnded: fact.cause === 'process_restarted' ? this.stopping() ?? 'restarted' : this.stopping(),
          idleTimeoutSeconds: this.spec?.idleTimeoutSeconds ?? 0,
          endedAt: fact.endedAt,
        });
        this.kills.ended(sessionKeyText(fact.key));
        if (!fact.wasEstablished) return;
        await this.channel.request({
          type: 'session_ended',
          serverId: this.serverId,
          session: { sessionKey: sessionKeyText(fact.key), endedAt: fact.endedAt, bytesSent: fact.bytesSent ?? 0, bytesReceived: fact.bytesReceived ?? 0 },
        });
        return;
      case 'auth_expired':
        this.tally.authDecided('expired');
        return;
    }
  }

  /**
   * A REAUTH is the hourly TLS renegotiation of a session that already passed: the one-time
   * passcode it repeats is spent, so the control plane re-checks only that the user and the
   * certificate may still connect. Routes were pushed at CONNECT and are not sent again.
   */
  private async decide(fact: AuthRequestFact): Promise<AuthDecision> {
    const { reauth, username, password, commonName, certSerial, untrustedIp: remoteIp } = fact;
    const decision = await this.channel.request({ type: 'authorize', serverId: this.serverId, username, password, commonName, reauth, sessionKey: sessionKeyText(fact.key), certSerial, remoteIp });
    if (!decision.allow) return { allow: false, reason: decision.reason, clientReason: 'AUTH_FAILED' };
    if (reauth) return { allow: true };
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
    const due = statusPollDue(now, this.lastPoll, { pollMs: this.options.statusPollMs, idleTimeoutSeconds: this.spec?.idleTimeoutSeconds ?? 0 });
    if (!connection?.isOpen || this.attaching || !due) return;
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
    const stray = existsSync(this.paths.pidFile) ? await this.launcher.adopt(this.paths.pidFile) : undefined;
    if (stray) await stray.stop(this.policy.stopTimeoutMs);
    removePidFile(this.paths.pidFile);
  }

  private async afterStopped(): Promise<void> {
    this.process = undefined;
    removePidFile(this.paths.pidFile);
    if (this.removeAfterStop) {
      await this.dataplane?.remove();
      removeServerFiles(this.paths);
      await this.channel.request({ type: 'server_stopped', serverId: this.serverId });
      return;
    }
    if (this.restartAfterStop && this.spec) {
      this.restartAfterStop = false;
      this.writeFiles(this.spec);
      this.dispatch({ type: 'start' });
    }
  }

  private stateReport(): ServerStateReport | undefined {
    const lastLogLine = (this.process?.recentOutput ?? '').trim().split('\n').at(-1) ?? '';
    const reattaching = this.servedBy !== undefined && this.servedBy === this.state.pid;
    const facts = { supervisor: this.state, ...this.crash.facts, spawnError: this.lastSpawnError, logPath: this.paths.log, lastLogLine, reattaching };
    return healthReport(facts, this.options.now(), this.options.degradedForMs);
  }

  private report(): Promise<void> {
    if (this.removeAfterStop || this.restartAfterStop) return this.reporting;
    const health = this.stateReport();
    if (health === undefined) return this.reporting;
    const state = withDataPlaneHealth(health, this.dataplane?.unavailable);
    this.tally.health(state.health);
    if (!this.reports.changed(state)) return this.reporting;
    this.reporting = this.reporting.then(() =>
      this.channel.request({ type: 'server_state', serverId: this.serverId, state }).then(
        () => undefined,
        (error: unknown) => this.log.warn({ err: error }, 'state report failed'),
      ),
    );
    return this.reporting;
  }
}
