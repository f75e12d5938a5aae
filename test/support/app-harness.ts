import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/server/app.ts';
import { ensureAccountId, ensureAdministrator } from '../../src/server/bootstrap.ts';
import { CertificateService } from '../../src/domain/certificates/service.ts';
import { IdentityService } from '../../src/domain/identity/service.ts';
import { TokenSigner } from '../../src/domain/identity/tokens.ts';
import { ChangeBus } from '../../src/domain/events/bus.ts';
import { finishVpnServerDeletion } from '../../src/domain/vpn-servers/service.ts';
import { openStore, type QueryObserver, type Store } from '../../src/store/database.ts';
import type { DomainContext, GatewayPort } from '../../src/domain/context.ts';
import type { Role } from '../../src/domain/identity/roles.ts';
import { freshDatabase, type TestDialect } from './dialects.ts';
import { API_VERSION } from './api-client.ts';
import { DEFAULT_LIMITS, type LimitsConfig } from '../../src/config/limits.ts';

export const VERSION = API_VERSION;
export const ADMIN_KEY = 'admin-key-for-tests-0123456789';

/** A clock tests move by hand. */
export class ManualClock {
  constructor(public current = Date.parse('2026-11-25T12:00:00.000Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface Harness {
  app: FastifyInstance;
  ctx: DomainContext;
  store: Store;
  /** Where the store lives, for a second connection that sees only what was committed. */
  databaseUrl: string;
  clock: ManualClock;
  identity: IdentityService;
  certificates: CertificateService;
  gatewayCalls: string[];
  /** A bearer token of a new user holding `role` (account-wide unless serverId is given). */
  tokenFor(role: Role | 'none', serverId?: string): Promise<string>;
  adminToken: string;
  call(method: string, url: string, options?: { token?: string | null; body?: unknown; headers?: Record<string, string>; contentType?: string }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  publicUrl?: string;
  limits?: Partial<LimitsConfig>;
  /** How long a checked token's principal is reused (0: every request reads the store). */
  principalCacheMs?: number;
  /** Hears every query the store runs. */
  observe?: QueryObserver;
}

/** The real app, in process, over a fresh real database of the dialect; requests go through inject(). */
export async function startHarness(dialect: TestDialect, options: HarnessOptions = {}): Promise<Harness> {
  const database = await freshDatabase(dialect);
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-data-'));
  const store = await openStore(database.url, options.observe ? { observe: options.observe } : {});
  const clock = new ManualClock();
  const gatewayCalls: string[] = [];
  const gateway: GatewayPort = {
    serverChanged: (id) => gatewayCalls.push(`changed ${id}`),
    serverDeleted: (id) => {
      gatewayCalls.push(`deleted ${id}`);
      void finishVpnServerDeletion(ctx, id);
    },
    clientIntents: (serverId, clients) => gatewayCalls.push(...clients.map((client) => `intent ${serverId} ${client.id}`)),
    gatewayRevoked: (gatewayId) => gatewayCalls.push(`revoked ${gatewayId}`),
  };
  const ctx: DomainContext = { store, clock, bus: new ChangeBus(), gateway, accountId: await ensureAccountId(store.db) };
  const masterKey = new Uint8Array(32).fill(7);
  const identity = new IdentityService(ctx, new TokenSigner(new Uint8Array(32).fill(9), { access: 3600, refresh: 86_400 }), {
    passcodeTtlSeconds: 300,
    principalCacheMs: options.principalCacheMs ?? 0,
    vpnAuthLimits: { user: options.limits?.vpnAuthUser ?? DEFAULT_LIMITS.vpnAuthUser, address: options.limits?.vpnAuthAddress ?? DEFAULT_LIMITS.vpnAuthAddress },
  });
  const certificates = new CertificateService(ctx, masterKey);
  await ensureAdministrator(store.db, identity, dataDir, ADMIN_KEY);
  const app = await buildApp({ ctx, identity, certificates, publicHost: 'vpn.example.test', listenHost: '127.0.0.1' }, {
    logger: false,
    consoleDir: join(dataDir, 'no-console'),
    ...(options.publicUrl !== undefined && { publicUrl: options.publicUrl }),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
  });
  await app.ready();
  const adminToken = (await identity.exchangeApiKey(ADMIN_KEY)).access.token;
  let users = 0;

  const harness: Harness = {
    app,
    ctx,
    store,
    databaseUrl: database.url,
    clock,
    identity,
    certificates,
    gatewayCalls,
    adminToken,
    async tokenFor(role, serverId) {
      users += 1;
      const user = await identity.createUser(`user-${role.toLowerCase()}-${users}`, role === 'none' ? [] : [{ role, vpnServerId: serverId ?? null }]);
      const { apikey } = await identity.createApiKey(user.id, 'test');
      return (await identity.exchangeApiKey(apikey)).access.token;
    },
    call(method, url, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const token = options.token === undefined ? adminToken : options.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const withVersion = url.includes('version=') || !url.startsWith('/v1') ? url : `${url}${url.includes('?') ? '&' : '?'}${VERSION}`;
      const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      if (payload !== undefined) headers['content-type'] = options.contentType ?? (method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
      return app.inject({ method: method as 'GET', url: withVersion, headers, ...(payload !== undefined && { payload }) });
    },
    async close() {
      await app.close();
      await store.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

export const json = <T = Record<string, unknown>>(response: LightMyRequestResponse): T => JSON.parse(response.body) as T;
