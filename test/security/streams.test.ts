import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { buildApp } from '../../src/server/app.ts';
import { DEFAULT_LIMITS } from '../../src/config/limits.ts';
import type { DomainContext } from '../../src/domain/context.ts';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness, VERSION, type Harness } from '../support/app-harness.ts';

/** Every stream a test opened, aborted at its end so a stream that never closes cannot hang the close. */
const opened: AbortController[] = [];
const abortAll = (): void => {
  for (const c of opened.splice(0)) c.abort();
};

/**
 * Opens a stream. `ended(since)` resolves with the ms from `since` (taken before the change that
 * should end it was asked for) to the stream's end, or null when it is still open after 10 s.
 */
async function openStream(url: string, serverId: string, token: string): Promise<{ ended: (since: number) => Promise<number | null>; abort: () => void }> {
  const controller = new AbortController();
  opened.push(controller);
  const res = await fetch(`${url}/v1/vpn_servers/${serverId}/client_events?${VERSION}`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const done = (async () => {
    try {
      for (;;) if ((await reader.read()).done) return Date.now();
    } catch {
      return Date.now();
    }
  })();
  return {
    ended: async (since) => {
      const result = await Promise.race([done, new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000))]);
      return result === null ? null : result - since;
    },
    abort: () => controller.abort(),
  };
}

async function setup(dialect: 'sqlite' | 'postgres'): Promise<{ h: Harness; url: string; serverId: string }> {
  const h = await startHarness(dialect);
  const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.82.0.0/16', client_authentication: [{ method: 'certificate' }] } }));
  return { h, url, serverId: server.id };
}

async function operator(h: Harness, name: string, serverId?: string): Promise<{ id: string; token: string }> {
  const user = json<{ id: string }>(await h.call('POST', '/v1/users', { body: { name, roles: [{ role: 'Operator', ...(serverId && { vpn_server_id: serverId }) }] } }));
  const { apikey } = json<{ apikey: string }>(await h.call('POST', `/v1/users/${user.id}/api_keys`, { body: { name: 'k' } }));
  return { id: user.id, token: (await h.identity.exchangeApiKey(apikey)).access.token };
}

for (const dialect of testDialects()) {
  describe(`event streams re-check authorisation (${dialect})`, () => {
    test('a stream closes within a second when its user is disabled, deleted or loses the role', async () => {
      const { h, url, serverId } = await setup(dialect);
      try {
        const cases: [string, (userId: string) => Promise<unknown>][] = [
          ['disabled', (id) => h.call('PATCH', `/v1/users/${id}`, { body: { disabled: true } })],
          ['deleted', (id) => h.call('DELETE', `/v1/users/${id}`)],
          ['role removed', (id) => h.call('PATCH', `/v1/users/${id}`, { body: { roles: [{ role: 'Viewer' }] }, headers: { 'if-match': '*' } })],
        ];
        for (const [what, change] of cases) {
          const user = await operator(h, `op-${what.replace(' ', '-')}`);
          const stream = await openStream(url, serverId, user.token);
          const untouched = await openStream(url, serverId, h.adminToken);
          const askedAt = Date.now();
          const res = (await change(user.id)) as { statusCode: number; body: string };
          assert.ok(res.statusCode < 300, `${what}: ${res.body}`);
          const ms = await stream.ended(askedAt);
          assert.notEqual(ms, null, `${what}: the stream stayed open`);
          assert.ok(ms !== null && ms < 1000, `${what}: the stream closed ${ms} ms after the change was asked for`);
          untouched.abort();
        }
      } finally {
        abortAll();
        await h.close();
      }
    });

    test('a stream closes when its token expires or its sign-in is logged out', async () => {
      const { h, url, serverId } = await setup(dialect);
      try {
        const user = await operator(h, 'op-logout', serverId);
        const stream = await openStream(url, serverId, user.token);
        const loggingOutAt = Date.now();
        assert.equal((await h.call('POST', '/identity/logout', { token: user.token })).statusCode, 204);
        const afterLogout = await stream.ended(loggingOutAt);
        assert.ok(afterLogout !== null && afterLogout < 2000, `logged out: closed after ${afterLogout} ms`);

        const expiring = await openStream(url, serverId, h.adminToken);
        h.clock.advance(3601 * 1000);
        const advancedAt = Date.now();
        const ms = await expiring.ended(advancedAt);
        assert.ok(ms !== null && ms < 2000, `expired token: closed after ${ms} ms`);
      } finally {
        abortAll();
        await h.close();
      }
    });

    test('the streams of one server share one read of the store per change, and do not poll it', async () => {
      const { h, serverId } = await setup(dialect);
      const reads: number[] = [];
      const counter: KyselyPlugin = {
        transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
          const node = args.node;
          if (node.kind === 'SelectQueryNode' && JSON.stringify(node.from ?? {}).includes('"client_events"') && JSON.stringify(node.where ?? {}).includes('"seq"')) reads.push(Date.now());
          return node;
        },
        async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
          return args.result;
        },
      };
      const ctx: DomainContext = { ...h.ctx, store: { ...h.store, db: h.store.db.withPlugin(counter) } };
      const app = await buildApp({ ctx, identity: h.identity, certificates: h.certificates, publicHost: 'vpn.example.test', listenHost: '127.0.0.1' }, { logger: false, limits: { ...DEFAULT_LIMITS, maxStreamsPerToken: 0 } });
      const streams: Awaited<ReturnType<typeof openStream>>[] = [];
      try {
        const url = await app.listen({ host: '127.0.0.1', port: 0 });
        for (let i = 0; i < 20; i += 1) streams.push(await openStream(url, serverId, h.adminToken));
        // One change (as a local write or the change feed tells it) in an interval of four ticks:
        // one read shared by the 20 streams (the last join's read may still fall inside); a read
        // per stream would be 20, a poll per tick at least 4 more.
        const from = Date.now();
        ctx.bus.notify(serverId);
        await new Promise((resolve) => setTimeout(resolve, 4000));
        const during = reads.filter((t) => t >= from).length;
        assert.ok(during >= 1, `the change was not read (${during} reads)`);
        assert.ok(during <= 3, `20 streams read the store ${during} times in 4 s after one change`);
      } finally {
        for (const s of streams) s.abort();
        abortAll();
        await app.close();
        await h.close();
      }
    });
  });
}
