import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServeConfig } from '../../src/config/serve-config.ts';
import { startSluice, type RunningSluice } from '../../src/server/serve.ts';
import { freshDatabase, type TestDialect } from '../../test/support/dialects.ts';
import { TestApi } from '../../test/support/api-client.ts';
import { killAll, openvpnPids } from '../../test/support/sluice-process.ts';
import { installFakeOpenvpn } from '../fake-openvpn/binary.ts';
import { BENCH_ADMIN_KEY } from './api.ts';
import { BENCH_LIMITS } from './sluice-serve.ts';
import type { Cleanup } from './cleanup.ts';

export interface EmbeddedSluice {
  running: RunningSluice;
  api: TestApi;
  dataDir: string;
  databaseUrl: string;
  /** The gateway's directory for one VPN server (config, pid file, management socket). */
  serverDir(serverId: string): string;
}

/**
 * Sluice's own composition root (src/server/serve.ts) in this process, over a fresh database of
 * the dialect, with the fake openvpn as its OpenVPN binary. The gateway code path is the real
 * one: ServerRuntime attaches a ManagementConnection and forwards facts to the GatewayLink.
 */
export async function startEmbeddedSluice(cleanup: Cleanup, dialect: TestDialect, options: { gateway?: 'embedded' | 'none' } = {}): Promise<EmbeddedSluice> {
  const database = await freshDatabase(dialect);
  cleanup.add('drop database', () => database.drop());
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  cleanup.add('remove data dir', () => rmSync(dataDir, { recursive: true, force: true }));
  // The fake "openvpn" processes are detached (as real ones are) and outlive close(): kill them by pid.
  cleanup.add('stop fake openvpn', () => killAll(openvpnPids(dataDir)));
  const binary = installFakeOpenvpn(dataDir);
  const env = { ...process.env, SLUICE_ADMIN_API_KEY: BENCH_ADMIN_KEY, ...BENCH_LIMITS };
  const config = loadServeConfig(
    { listen: '127.0.0.1:0', 'data-dir': dataDir, database: database.url, 'openvpn-binary': binary, 'log-level': 'error', dataplane: 'none', 'console-dir': join(dataDir, 'no-console'), ...(options.gateway && { gateway: options.gateway }) },
    env,
  );
  const running = await startSluice(config, env);
  cleanup.add('close sluice', () => running.close());
  const api = await new TestApi(running.url, BENCH_ADMIN_KEY).login();
  return { running, api, dataDir, databaseUrl: database.url, serverDir: (id) => join(dataDir, 'gateway', id) };
}
