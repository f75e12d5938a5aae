import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialFor, GatewayHostError } from './join.ts';

const dirs: string[] = [];
const servers: Server[] = [];
after(() => {
  for (const server of servers) server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A control plane's `/gateway/join`: each token it knows is good once. */
async function joinEndpoint(tokens: string[]): Promise<{ url: string; joins: string[] }> {
  const joins: string[] = [];
  const unused = new Set(tokens);
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const token = (JSON.parse(body) as { join_token: string }).join_token;
      joins.push(token);
      if (request.url !== '/gateway/join' || !unused.delete(token)) {
        response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'not_authenticated', message: 'the join token is not valid' }] }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ gateway: { id: 'gw-1', name: 'edge-1' }, credential: `sgc_gw-1_for-${token}` }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, joins };
}

const dataDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-join-'));
  dirs.push(dir);
  return dir;
};

test('the join token is spent once; the same token again reuses the credential; a new one re-enrols', async () => {
  const cp = await joinEndpoint(['sjt_first', 'sjt_second']);
  const dir = dataDir();
  assert.equal(await credentialFor(dir, [cp.url], 'sjt_first', undefined), 'sgc_gw-1_for-sjt_first');
  assert.equal(statSync(join(dir, 'credential')).mode & 0o777, 0o600);
  assert.equal(await credentialFor(dir, [cp.url], 'sjt_first', undefined), 'sgc_gw-1_for-sjt_first', 'left in the environment: not spent again');
  assert.equal(await credentialFor(dir, [cp.url], undefined, undefined), 'sgc_gw-1_for-sjt_first');
  assert.equal(await credentialFor(dir, [cp.url], 'sjt_second', undefined), 'sgc_gw-1_for-sjt_second', 'a new token re-enrols');
  assert.deepEqual(cp.joins, ['sjt_first', 'sjt_second']);
});

test('no credential and no token, a refused token, an unreachable first replica', async () => {
  const cp = await joinEndpoint(['sjt_good']);
  await assert.rejects(credentialFor(dataDir(), [cp.url], undefined, undefined), (error: unknown) => error instanceof GatewayHostError && /give --join-token/.test(error.message));
  await assert.rejects(credentialFor(dataDir(), [cp.url], 'sjt_bad', undefined), (error: unknown) => error instanceof GatewayHostError && /refused the join token \(HTTP 401\): the join token is not valid/.test(error.message));
  const closed = await joinEndpoint([]);
  const deadUrl = closed.url;
  await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
  assert.equal(await credentialFor(dataDir(), [deadUrl, cp.url], 'sjt_good', undefined), 'sgc_gw-1_for-sjt_good', 'the next replica takes the join');
});
