import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { API_VERSION, TestApi } from '../../test/support/api-client.ts';
import { newId } from '../../src/domain/shared/ids.ts';
import { BENCH_ADMIN_KEY, createServer } from '../lib/api.ts';
import { sleep, until, withCleanup, type Cleanup } from '../lib/cleanup.ts';
import { row, type Benchmark, type Row } from '../lib/result.ts';
import { replicaEnvironment, startServe } from '../lib/sluice-serve.ts';
import { summarize } from '../lib/stats.ts';

const INSERT_CLIENT = `insert into vpn_server_clients (id, vpn_server_id, session_key, client_ip, remote_ip, remote_port, common_name, username, status, created_at, disconnected_at, delete_after, bytes_sent, bytes_received, intent, intent_at, intent_by)
  values ($1, $2, $3, $4, '127.0.0.1', $5, $6, null, 'connected', $7, null, null, 0, 0, null, null, null)`;

/** A client event stream read in the background: when each (client, type) first arrived. */
async function follow(cleanup: Cleanup, api: TestApi, serverId: string): Promise<Map<string, number>> {
  const controller = new AbortController();
  cleanup.add('close stream', () => controller.abort());
  const res = await fetch(`${api.base}/v1/vpn_servers/${serverId}/client_events?${API_VERSION}`, { headers: { authorization: `Bearer ${api.bearer()}` }, signal: controller.signal });
  if (res.status !== 200) throw new Error(`stream refused: ${res.status}`);
  const seen = new Map<string, number>();
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const at = performance.now();
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1];
        buffer = buffer.slice(end + 2);
        if (!data) continue;
        const event = JSON.parse(data) as { client_id: string; type: string };
        const key = `${event.client_id} ${event.type}`;
        if (!seen.has(key)) seen.set(key, at);
      }
    }
  })().catch(() => undefined);
  return seen;
}

/**
 * Two real `sluice serve` replicas on one PostgreSQL, each with a client event stream open on one
 * VPN server. A disconnect request is made on one replica; its `disconnect_requested` event
 * reaches that replica's own stream (the baseline: its change bus, in process) and the other's
 * (the change feed: the trigger's NOTIFY, LISTEN, one read). Alternately through each replica.
 */
export const replicaStreams: Benchmark = {
  name: 'replica-streams',
  describe: 'a client event on the other replica’s stream vs on the stream of the replica that wrote it (PostgreSQL)',
  defaultSizes: [30],
  needs: ['postgres'],
  async run(ctx, sizes) {
    if (!ctx.dialects.includes('postgres')) return { rows: [], notes: ['replicas share PostgreSQL: not run with --dialects sqlite'] };
    const rows: Row[] = [];
    await withCleanup(async (cleanup) => {
      const { env, databaseUrl } = await replicaEnvironment(cleanup);
      const a = await startServe(cleanup, env, ['--gateway', 'none']);
      const b = await startServe(cleanup, env, ['--gateway', 'none']);
      const apis = [await new TestApi(a.url, BENCH_ADMIN_KEY).login(), await new TestApi(b.url, BENCH_ADMIN_KEY).login()] as const;
      const server = await createServer(apis[0], { client_ip_pool: '10.77.0.0/16', client_authentication: [{ method: 'certificate' }] }, false);
      const serverId = String(server.id);
      for (const n of sizes) {
        // Records of live sessions, as a gateway would have written them.
        const db = new pg.Client({ connectionString: databaseUrl });
        await db.connect();
        const ids: string[] = [];
        try {
          for (let i = 0; i < n; i++) {
            const id = newId();
            ids.push(id);
            await db.query(INSERT_CLIENT, [id, serverId, `bench:${i}`, `10.77.${i >> 8}.${i & 255}`, 40000 + i, `rs${i}`, Date.now()]);
          }
        } finally {
          await db.end();
        }
        const streams = [await follow(cleanup, apis[0], serverId), await follow(cleanup, apis[1], serverId)] as const;
        const own: number[] = [];
        const other: number[] = [];
        for (const [i, id] of ids.entries()) {
          const [mine, theirs, api] = i % 2 === 0 ? [streams[0], streams[1], apis[0]] : [streams[1], streams[0], apis[1]];
          const key = `${id} disconnect_requested`;
          const started = performance.now();
          await api.ok('POST', `/v1/vpn_servers/${serverId}/clients/${id}/disconnect`);
          await until('the event on both streams', () => (streams[0].has(key) && streams[1].has(key) ? true : undefined), 10_000, 1);
          own.push((mine.get(key) ?? Number.NaN) - started);
          other.push((theirs.get(key) ?? Number.NaN) - started);
          await sleep(50);
        }
        const r = row({ case: `${n} requests, alternately on each replica`, metric: 'request → event on the stream', unit: 'ms', better: 'lower', sluice: summarize(other), baseline: summarize(own), goal: 'at once (no poll)' });
        rows.push(r);
        ctx.log(`replica-streams: on the other replica's stream ${r.sluice.median.toFixed(1)} ms, on the writer's own ${r.baseline.median.toFixed(1)} ms`);
      }
    });
    return { rows, notes: ['"Sluice" = the stream on the other replica (change feed); "baseline" = the stream on the replica that took the request (in process)'] };
  },
};
