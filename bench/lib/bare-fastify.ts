/**
 * The list baseline: a bare Fastify server (no auth, no validation, no database) answering the
 * clients route with bytes Sluice produced. Run as its own process, like `sluice serve`, so both
 * are loaded by the same autocannon from outside. Prints its URL on stdout.
 *   node --import tsx bench/lib/bare-fastify.ts BODY_FILE
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: bare-fastify.ts BODY_FILE');
const body = readFileSync(file);
const app = Fastify({ logger: false });
app.get('/v1/vpn_servers/:vpn_server_id/clients', async (_request, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(body));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${url}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
