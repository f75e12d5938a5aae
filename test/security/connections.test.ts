import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness, VERSION } from '../support/app-harness.ts';
import { eventually } from '../support/openvpn-client.ts';
import type { ErrorBody } from '../../src/server/errors.ts';

/** A socket that starts a request and never finishes its headers. */
function slowSocket(port: number, localAddress = '127.0.0.1'): Promise<{ socket: Socket; closed: () => boolean; closedAt: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    let closed = false;
    const closedAt = new Promise<number>((done) => socket.on('close', () => {
      closed = true;
      done(Date.now());
    }));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
      resolve({ socket, closed: () => closed, closedAt });
    });
    socket.once('error', reject);
  });
}

async function healthz(port: number, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
  });
}

for (const dialect of testDialects()) {
  describe(`connection limits (${dialect})`, () => {
    test('one address holds at most its share of sockets; others and /healthz are still served', async () => {
      const h = await startHarness(dialect, { limits: { maxConnectionsPerAddress: 5, maxConnections: 50 } });
      const sockets: Socket[] = [];
      try {
        await h.app.listen({ host: '127.0.0.1', port: 0 });
        const port = (h.app.server.address() as { port: number }).port;
        const held = [];
        for (let i = 0; i < 5; i += 1) held.push(await slowSocket(port));
        sockets.push(...held.map((s) => s.socket));
        const extra = await slowSocket(port);
        sockets.push(extra.socket);
        await eventually('the sixth socket from one address to be closed', async () => (extra.closed() ? true : undefined), 5000);
        assert.ok(held.every((s) => !s.closed()), 'the first five are still held (until their header timeout)');
        assert.equal(h.app.connectionStats.refusedPerAddress, 1);
        assert.equal(await healthz(port, '127.0.0.2'), 200, '/healthz answers another address');
      } finally {
        for (const s of sockets) s.destroy();
        await h.close();
      }
    });

    test('slow headers do not hold a socket past the header timeout', async () => {
      const h = await startHarness(dialect, { limits: { headersTimeoutMs: 1000, requestTimeoutMs: 2000 } });
      let slow: Awaited<ReturnType<typeof slowSocket>> | undefined;
      let drip: NodeJS.Timeout | undefined;
      try {
        await h.app.listen({ host: '127.0.0.1', port: 0 });
        const port = (h.app.server.address() as { port: number }).port;
        const started = Date.now();
        slow = await slowSocket(port);
        // One more header byte every 200 ms: never idle, never finished.
        drip = setInterval(() => slow?.socket.write('X'), 200);
        const closedAt = await Promise.race([slow.closedAt, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 10_000))]);
        assert.notEqual(closedAt, -1, 'the socket was still open after 10 s');
        assert.ok(closedAt - started < 5000, `closed after ${closedAt - started} ms`);
      } finally {
        clearInterval(drip);
        slow?.socket.destroy();
        await h.close();
      }
    });

    test('open event streams are capped per token and per server', async () => {
      const h = await startHarness(dialect, { limits: { maxStreamsPerToken: 2, maxStreamsPerServer: 3 } });
      const streams: AbortController[] = [];
      try {
        const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
        const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.81.0.0/16', client_authentication: [{ method: 'certificate' }] } }));
        const open = async (token: string) => {
          const controller = new AbortController();
          streams.push(controller);
          const res = await fetch(`${url}/v1/vpn_servers/${server.id}/client_events?${VERSION}`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
          return { res, controller };
        };
        const other = await h.tokenFor('Operator');
        const third = await h.tokenFor('Operator');
        assert.equal((await open(h.adminToken)).res.status, 200);
        const second = await open(h.adminToken);
        assert.equal(second.res.status, 200);
        const overToken = await open(h.adminToken);
        assert.equal(overToken.res.status, 429);
        assert.equal(((await overToken.res.json()) as ErrorBody).errors[0]?.code, 'rate_limited');
        assert.match(overToken.res.headers.get('retry-after') ?? '', /^\d+$/);
        assert.equal((await open(other)).res.status, 200);
        assert.equal((await open(third)).res.status, 429, 'the server has its three streams');
        second.controller.abort();
        await eventually('a closed stream to free its place', async () => {
          const again = await open(third);
          if (again.res.status === 200) return true;
          await again.res.body?.cancel();
          return undefined;
        }, 5000);
      } finally {
        for (const c of streams) c.abort();
        await h.close();
      }
    });
  });
}
