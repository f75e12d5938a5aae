import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError, SERVE_OPTIONS, loadServeConfig, type ServeConfig, type ServeOption } from '../config/serve-config.ts';
import { CertificateService } from '../domain/certificates/service.ts';
import { IdentityService } from '../domain/identity/service.ts';
import { TokenSigner } from '../domain/identity/tokens.ts';
import { ChangeBus } from '../domain/events/bus.ts';
import { systemClock } from '../domain/shared/clock.ts';
import { deriveKey, loadOrCreateMasterKey } from '../domain/secrets/secret-box.ts';
import { openStore } from '../store/database.ts';
import type { ChangeSubscription } from '../store/change-feed.ts';
import type { DomainContext } from '../domain/context.ts';
import { GatewayAgent } from '../gateway/agent/agent.ts';
import { DataPlaneHost } from '../gateway/agent/dataplane-host.ts';
import { Nft } from '../gateway/io/nft.ts';
import { GatewayLink, type LinkDeps } from './gateway-link.ts';
import { RemoteGateways } from './remote-gateways.ts';
import { buildApp } from './app.ts';
import { ensureAccountId, ensureAdministrator } from './bootstrap.ts';
import { logDestination } from './logging.ts';
import { SluiceMetrics } from './metrics/registry.ts';
import { startMetricsListener } from './metrics/http.ts';
import { readinessProbe } from './readiness.ts';
import { sweepRetention } from './retention.ts';
import { MonitoringRecorder } from '../domain/monitoring/recorder.ts';

/** How often the monitoring recorder writes the minutes that changed. */
const MONITORING_FLUSH_MS = 10_000;

export interface RunningSluice {
  url: string;
  config: ServeConfig;
  ctx: DomainContext;
  /** The control plane's end of the gateway channel (its group commit's counters, for benchmarks). */
  link: GatewayLink;
  close(): Promise<void>;
}

/** The composition root: builds every part from config and starts listening. */
export async function startSluice(config: ServeConfig, env: NodeJS.ProcessEnv = process.env): Promise<RunningSluice> {
  const destination = logDestination(config.logFormat);
  const logOptions = { level: config.logLevel, redact: ['apikey', 'passcode', 'password', 'token', 'refresh_token', 'join_token', 'credential'] };
  const logger = destination ? pino(logOptions, destination) : pino(logOptions);
  const metrics = config.metrics ? new SluiceMetrics({ defaultMetrics: true }) : undefined;
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const master = await loadOrCreateMasterKey(config.dataDir, env);
  if (master.created) logger.warn({ path: master.path }, 'generated a new master key; back it up with the database');
  const store = await openStore(config.databaseUrl, metrics ? { observe: (kind, ms) => metrics.observeQuery(kind, ms) } : {});
  logger.info({ store: store.location, dialect: store.caps.name }, 'store ready');

  // The link and the domain refer to each other: the link answers the agent from the domain, and
  // the domain notifies the agent through the link.
  const late: { deps?: LinkDeps } = {};
  const link = new GatewayLink(() => {
    if (!late.deps) throw new Error('gateway link used before start-up finished');
    return late.deps;
  });
  const ctx: DomainContext = { store, clock: systemClock, bus: new ChangeBus(), gateway: link, accountId: await ensureAccountId(store.db) };
  const signer = new TokenSigner(deriveKey(master.key, 'token-signing'), { access: config.tokenTtlSeconds, refresh: 30 * 86_400 });
  const identity = new IdentityService(ctx, signer, {
    passcodeTtlSeconds: config.passcodeTtlSeconds,
    principalCacheMs: 2000,
    vpnAuthLimits: { user: config.limits.vpnAuthUser, address: config.limits.vpnAuthAddress },
  });
  const certificates = new CertificateService(ctx, master.key);
  late.deps = { ctx, identity, certificates };
  const recorder = new MonitoringRecorder(ctx, ctx.clock.now());
  link.observe({
    gatewayReported: (snapshot) => {
      metrics?.gateways.report(snapshot);
      recorder.record(snapshot);
    },
    intentCarriedOut: (intent, seconds) => metrics?.intentDuration.observe({ intent }, seconds),
  });

  const admin = await ensureAdministrator(store.db, identity, config.dataDir, config.adminApiKey);
  if (admin.generatedKey) {
    // Printed once on the terminal for the operator, never through the logger.
    process.stderr.write(`\nAdministrator API key (shown once; also in ${admin.generatedKeyFile}):\n  ${admin.generatedKey}\n\n`);
  }

  const app = await buildApp(
    {
      ctx,
      identity,
      certificates,
      publicHost: config.publicHost,
      listenHost: config.listenHost,
      ...(metrics && { metrics }),
      readiness: readinessProbe(store, config.gateway === 'embedded' ? () => link.attached : undefined),
    },
    {
      logger: { level: config.logLevel, ...(destination && { stream: destination }) },
      bodyLimit: config.bodyLimitBytes,
      trustProxy: config.trustProxy,
      ...(config.consoleDir && { consoleDir: config.consoleDir }),
      publicUrl: config.publicUrl,
      limits: config.limits,
      audit: config.audit,
      metrics: config.metrics,
      metricsRoute: config.metrics && config.metricsListen === undefined,
    },
  );

  const retention = {
    auditRetentionDays: config.auditRetentionDays,
    monitoringRetentionDays: config.monitoringRetentionDays,
    purgeDeletedCertificates: () => certificates.purgeExpiredDeleted(),
  };
  // The sweep (with the monitoring roll-up) runs on one replica at a time: the one holding the
  // store's `retention` singleton (always this process on SQLite).
  const retentionLock = store.singleton('retention');
  let wasHeld = false;
  retentionLock.onChange((held) => {
    metrics?.singletonHeld.set({ job: 'retention' }, held ? 1 : 0);
    if (held) logger.info({ job: 'retention' }, 'singleton held: this replica runs the retention sweep');
    else if (wasHeld) logger.warn({ job: 'retention' }, 'singleton lost (its database connection ended): this replica stops running the retention sweep until it holds it again');
    wasHeld = held;
  });
  // The sweep under way, if any: shutdown waits for it before the store goes.
  let sweeping: Promise<void> | undefined;
  const sweep = setInterval(() => {
    if (sweeping || !retentionLock.held) return;
    sweeping = retentionLock
      .confirm()
      .then((held) => (held ? sweepRetention(ctx, retention, logger, metrics) : undefined))
      .finally(() => (sweeping = undefined));
  }, config.sweepIntervalMs);
  const flush = setInterval(() => void recorder.flush().catch((err: unknown) => logger.warn({ err }, 'monitoring samples not written')), MONITORING_FLUSH_MS);
  const metricsListener = metrics && config.metricsListen ? await startMetricsListener(metrics, config.metricsListen.host, config.metricsListen.port) : undefined;
  if (metricsListener) logger.info({ url: `${metricsListener.url}/metrics` }, 'metrics served without a token');

  // Client events written by other replicas wake this one's event streams (and list counts); after
  // a gap in the feed every one re-reads from where it is.
  const subscriptions: ChangeSubscription[] = [
    await store.changes.subscribe('client_events', { change: (serverId) => ctx.bus.notify(serverId), resync: () => ctx.bus.notifyAll() }),
  ];
  // Gateways on other hosts dial in on the API's own port (`sluice gateway`).
  const remoteGateways = new RemoteGateways(app.server, ctx, link, logger.child({ part: 'gateways' }));
  const address = await app.listen({ host: config.listenHost, port: config.listenPort });
  let agent: GatewayAgent | undefined;
  if (config.gateway === 'embedded') {
    const gatewayDir = join(config.dataDir, 'gateway');
    const gatewayLog = logger.child({ part: 'gateway' });
    // Off on purpose (`--dataplane none`): routes are only pushed; the host's filter is someone else's.
    const dataplane =
      config.dataplane === 'nftables'
        ? new DataPlaneHost({ nft: new Nft({ command: [config.nftBinary] }), gatewayDir, egressInterfaces: config.dataplaneEgress, now: () => Date.now(), log: gatewayLog })
        : undefined;
    if (!dataplane) gatewayLog.info('data plane off (--dataplane none): routes are pushed to clients but not enforced by this host');
    agent = new GatewayAgent(
      link,
      {
        gatewayDir,
        dataplane,
        openvpnBinary: config.openvpnBinary,
        extraArgs: config.openvpnArgs,
        timers: {},
        degradedForMs: config.degradedSeconds * 1000,
        killGraceMs: config.killGraceMs,
        now: () => Date.now(),
      },
      gatewayLog,
    );
    link.connectAgent((notice) => agent?.notify(notice));
  }
  // Other replicas accept disconnects and server changes too; the store's change feed announces
  // them here, for the embedded agent and every remote gateway attached to this replica.
  // Listening starts before the agent starts, which reads whatever was pending or changed before.
  const gateway = agent;
  // After a gap in the feed the remote gateways attached here re-read too, not only the embedded one.
  const resyncRemotes = (kind: 'servers' | 'intents'): void => void link.resyncRemotes(kind).catch((err: unknown) => logger.error({ err, kind }, 'resyncing remote gateways failed'));
  const reload = (): void => {
    void gateway?.reload().catch((err: unknown) => logger.error({ err }, 'reloading servers failed'));
    resyncRemotes('servers');
  };
  const catchUp = (): void => {
    gateway?.catchUp();
    resyncRemotes('intents');
  };
  subscriptions.push(
    await store.changes.subscribe('intents', { change: (serverId) => link.relay({ type: 'kill_requested', serverId }), resync: catchUp }),
    await store.changes.subscribe('servers', { change: (serverId) => link.relay({ type: 'server_changed', serverId }), resync: reload }),
    // A revocation missed in a gap is caught by each gateway session's next credential check.
    await store.changes.subscribe('gateways', { change: (gatewayId) => link.gatewayRevokedElsewhere(gatewayId), resync: () => undefined }),
    // A sign-in ended or a user changed on another replica: its tokens stop working here at once.
    await store.changes.subscribe('principals', identity.principalChanges),
  );
  await agent?.start();
  logger.info({ url: address }, 'sluice ready');
  return {
    url: address,
    config,
    ctx,
    link,
    close: async () => {
      clearInterval(sweep);
      await sweeping;
      await retentionLock.close();
      for (const subscription of subscriptions) subscription.close();
      clearInterval(flush);
      await metricsListener?.close();
      await recorder.flush().catch(() => undefined);
      // OpenVPN keeps running: the next control plane re-attaches and no VPN user is dropped.
      await agent?.detach();
      // Remote gateways keep serving and re-dial another replica (or this one when it returns).
      await remoteGateways.close();
      await app.close();
      // Facts the agent reported before it detached are committed before the store goes.
      await link.ingest.drain().catch(() => undefined);
      await store.close();
    },
  };
}

const USAGE = `usage: sluice serve [--listen HOST:PORT] [--data-dir DIR] [--database URL|FILE] [--public-host HOST]
                    [--log-level LEVEL] [--gateway embedded|none] [--dataplane nftables|none]
                    [--openvpn-args "ARGS"] ...
Every flag has an environment variable: ${Object.values(SERVE_OPTIONS).join(', ')}.`;

/** `sluice serve`: parse flags, start, stop cleanly on SIGINT/SIGTERM. Returns the exit code. */
export async function serveFromCommandLine(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let flags: Partial<Record<ServeOption, string>>;
  try {
    const options = Object.fromEntries(Object.keys(SERVE_OPTIONS).map((name) => [name, { type: 'string' as const }]));
    const parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    if (parsed.values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    flags = parsed.values as Partial<Record<ServeOption, string>>;
  } catch (error) {
    process.stderr.write(`sluice serve: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  let running: RunningSluice;
  try {
    running = await startSluice(loadServeConfig(flags, env), env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`sluice serve: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`sluice serve: ${(error as Error).message}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  return 0;
}
