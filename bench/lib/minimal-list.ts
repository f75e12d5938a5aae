/**
 * The list benchmark's honest baseline: the least a list handler can do and still be one. It checks
 * the bearer token against a cache (the token was verified once, at start), runs the same indexed
 * query for 51 rows on the same database with a prepared statement, reuses a `total_count` for a
 * second as Sluice does, and answers the same JSON (Sluice's own presenter and envelope shape,
 * JSON.stringify). No validation, no logging, no metrics, no Kysely. Run as its own process like
 * `sluice serve`; prints its URL on stdout.
 *   node --import tsx bench/lib/minimal-list.ts DATABASE_URL TOKEN
 */
import SqliteDatabase from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';
import { fromRow } from '../../src/store/clients.ts';
import type { VpnServerClientRow } from '../../src/store/schema.ts';
import { isPostgresUrl } from '../../src/store/database.ts';
import { presentClient } from '../../src/server/resources/clients/presenter.ts';
import { encodeCursor } from '../../src/store/pagination.ts';

const [databaseUrl, token] = process.argv.slice(2);
if (databaseUrl === undefined || token === undefined) throw new Error('usage: minimal-list.ts DATABASE_URL TOKEN');

const PAGE = `select * from vpn_server_clients where vpn_server_id = $1 and (intent is null or intent <> 'delete') order by created_at desc, id desc limit $2`;
const COUNT = `select count(*) as n from vpn_server_clients where vpn_server_id = $1 and (intent is null or intent <> 'delete')`;

type Query = { page(serverId: string, limit: number): Promise<VpnServerClientRow[]>; count(serverId: string): Promise<number> };

function sqlite(file: string): Query {
  const db = new SqliteDatabase(file, { readonly: true });
  const page = db.prepare<[string, number], VpnServerClientRow>(PAGE.replace(/\$\d/g, '?'));
  const count = db.prepare<[string], { n: number }>(COUNT.replace(/\$\d/g, '?'));
  return { page: async (s, l) => page.all(s, l), count: async (s) => count.get(s)?.n ?? 0 };
}

function postgres(url: string): Query {
  pg.types.setTypeParser(20, (value: string) => Number(value));
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  return {
    page: async (s, l) => (await pool.query<VpnServerClientRow>({ name: 'page', text: PAGE, values: [s, l] })).rows,
    count: async (s) => Number((await pool.query<{ n: number }>({ name: 'count', text: COUNT, values: [s] })).rows[0]?.n ?? 0),
  };
}

const query = isPostgresUrl(databaseUrl) ? postgres(databaseUrl) : sqlite(databaseUrl);
// The token was verified once; what is left per request is the cache lookup and the role check.
const principals = new Map([[`Bearer ${token}`, { roles: new Set(['Administrator']) }]]);
const counts = new Map<string, { value: number; until: number }>();

const app = Fastify({ logger: false });
app.get<{ Params: { vpn_server_id: string }; Querystring: { limit?: string } }>('/v1/vpn_servers/:vpn_server_id/clients', async (request, reply) => {
  const principal = principals.get(request.headers.authorization ?? '');
  if (!principal?.roles.has('Administrator')) return reply.code(401).send({ errors: [{ code: 'not_authenticated' }] });
  const serverId = request.params.vpn_server_id;
  const limit = Number(request.query.limit ?? 50);
  const now = Date.now();
  const cached = counts.get(serverId);
  const fresh = cached !== undefined && cached.until > now;
  const [rows, totalCount] = await Promise.all([query.page(serverId, limit + 1), fresh ? cached.value : query.count(serverId)]);
  if (!fresh) counts.set(serverId, { value: totalCount, until: now + 1000 });
  const base = `http://${request.headers.host ?? 'localhost'}`;
  const items = rows.slice(0, limit).map(fromRow);
  const self = `${base}/v1/vpn_servers/${serverId}/clients?version=2026-11-25&generation=2&limit=${limit}`;
  const last = items.at(-1);
  const body: Record<string, unknown> = { first: { href: self }, limit, total_count: totalCount, clients: items.map((c) => presentClient(c, base)) };
  if (rows.length > limit && last) body.next = { href: `${self}&start=${encodeCursor({ value: last.createdAt, id: last.id })}` };
  return reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${url}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
