import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { acceptGatewaySockets, type GatewayPeer, type GatewaySession, type GatewaySockets } from '../../server/gateway-socket.ts';
import { createCertificateAuthority, issueCertificate } from '../../domain/certificates/pki.ts';
import type { AgentRequest, ControlNotice, LiveSession } from '../channel.ts';
import { RemoteControlPlane, RemoteRequestError, type RemoteControlPlaneOptions } from './dialer.ts';

const log = pino({ level: 'silent' });
const GOOD = 'good-credential';
const FAST_BACKOFF = { initialMs: 10, maxMs: 40 };

/** Polls until the condition holds; fails naming what was awaited once the deadline passes. */
async function until(condition: () => boolean, what: string, deadlineMs = 5000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

type Handle = (peer: GatewayPeer, request: AgentRequest) => Promise<unknown>;

interface ControlPlane {
  server: Server;
  port: number;
  sockets: GatewaySockets;
  welcomed: GatewaySession[];
  /** Upgrade attempts on the gateway path, accepted or not. */
  dials: number;
  stop(): Promise<void>;
}

const running = new Set<ControlPlane>();
const dialers = new Set<RemoteControlPlane>();
after(async () => {
  await Promise.all([...dialers].map((d) => d.close()));
  await Promise.all([...running].map((c) => c.stop()));
});

async function controlPlane(handle: Handle, options: { port?: number; heartbeatMs?: number; server?: Server } = {}): Promise<ControlPlane> {
  const server =
    options.server ??
    createServer((_request, response) => {
      response.statusCode = 404;
      response.end();
    });
  const welcomed: GatewaySession[] = [];
  const cp: ControlPlane = {
    server,
    port: 0,
    welcomed,
    dials: 0,
    sockets: acceptGatewaySockets(server, {
      authenticate: async (credential) => (credential === GOOD ? { gatewayId: 'gw-1', name: 'edge-1' } : undefined),
      handle,
      connected: (session) => welcomed.push(session),
      log,
      heartbeatMs: options.heartbeatMs ?? 60_000,
    }),
    stop: async () => {
      running.delete(cp);
      await cp.sockets.close();
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('upgrade', (request) => {
    if (request.url?.startsWith('/gateway/connect')) cp.dials++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  cp.port = (server.address() as AddressInfo).port;
  running.add(cp);
  return cp;
}

function dialer(port: number, options: Partial<RemoteControlPlaneOptions> = {}, scheme = 'http'): RemoteControlPlane {
  const remote = new RemoteControlPlane({ url: `${scheme}://127.0.0.1:${port}`, credential: GOOD, version: '0.1.0-test', log, backoff: FAST_BACKOFF, ...options });
  dialers.add(remote);
  return remote;
}

async function closeDialer(remote: RemoteControlPlane): Promise<void> {
  dialers.delete(remote);
  await remote.close();
}

function connections(remote: RemoteControlPlane): { count: number } {
  const seen = { count: 0 };
  remote.onConnected(() => seen.count++);
  return seen;
}

const session = (n: number): LiveSession => ({
  sessionKey: `100:${n}`,
  clientIp: '10.8.0.2',
  remoteIp: '192.0.2.1',
  remotePort: 40000 + n,
  commonName: null,
  username: `user${n}`,
  startedAt: 1_700_000_000_000 + n,
});

/** A raw client for what the dialer never does (no pong, garbage frames, other paths). */
async function rawSocket(port: number, options: WebSocket.ClientOptions = {}, path = '/gateway/connect'): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${GOOD}` }, ...options });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

const closeOf = (socket: WebSocket): Promise<{ code: number; reason: string }> =>
  new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));

test('requests get their typed replies; errors come back as code and message, never a stack', async () => {
  const peers: GatewayPeer[] = [];
  const cp = await controlPlane(async (peer, request) => {
    peers.push(peer);
    switch (request.type) {
      case 'list_servers':
        return { serverIds: ['s1', 's2'] };
      case 'get_server':
        if (request.serverId === 'gone') throw Object.assign(new Error('no server gone'), { code: 'not_found' });
        throw new Error('SELECT * FROM secrets failed');
      case 'authorize':
        return request.username === 'alice' ? { allow: true } : { allow: false, reason: 'unknown user' };
      default:
        return {};
    }
  });
  const remote = dialer(cp.port);
  remote.start();
  const listed = await remote.request({ type: 'list_servers' });
  assert.deepEqual(listed.serverIds, ['s1', 's2']);
  const decision = await remote.request({ type: 'authorize', serverId: 's1', sessionKey: '1:1', username: 'bob', password: 'x', commonName: undefined, reauth: false, certSerial: undefined });
  assert.deepEqual(decision, { allow: false, reason: 'unknown user' });
  assert.equal(remote.connected, true);
  assert.deepEqual(remote.identity, { gatewayId: 'gw-1', name: 'edge-1' });

  await assert.rejects(remote.request({ type: 'get_server', serverId: 'gone' }), (error: unknown) => {
    assert.ok(error instanceof RemoteRequestError);
    assert.equal(error.code, 'not_found');
    assert.equal(error.message, 'no server gone');
    return true;
  });
  await assert.rejects(remote.request({ type: 'get_server', serverId: 'broken' }), (error: unknown) => {
    assert.ok(error instanceof RemoteRequestError);
    assert.equal(error.code, 'internal');
    assert.equal(error.message, 'internal error');
    return true;
  });

  assert.equal(peers[0]?.gatewayId, 'gw-1');
  assert.equal(peers[0]?.name, 'edge-1');
  assert.equal(peers[0]?.version, '0.1.0-test');
  assert.ok((peers[0]?.instance.length ?? 0) > 0);
  assert.deepEqual(
    cp.sockets.sessions().map((s) => s.peer.gatewayId),
    ['gw-1'],
  );
  await closeDialer(remote);
  await until(() => cp.sockets.sessions().length === 0, 'the session to end');
  await cp.stop();
});

test('notices reach the agent; onConnected fires after each welcome', async () => {
  const cp = await controlPlane(async () => ({}));
  const remote = dialer(cp.port);
  const notices: ControlNotice[] = [];
  remote.onNotice((notice) => notices.push(notice));
  const seen = connections(remote);
  remote.start();
  await until(() => seen.count === 1 && cp.welcomed.length === 1, 'the first welcome');
  cp.welcomed[0]!.notify({ type: 'server_changed', serverId: 's1' });
  cp.welcomed[0]!.notify({ type: 'kill_requested', serverId: 's1', kills: [{ sessionKey: '1:2', reason: 'bye', cause: 'operator_disconnect' }] });
  await until(() => notices.length === 2, 'two notices');
  assert.deepEqual(notices, [
    { type: 'server_changed', serverId: 's1' },
    { type: 'kill_requested', serverId: 's1', kills: [{ sessionKey: '1:2', reason: 'bye', cause: 'operator_disconnect' }] },
  ]);

  cp.welcomed[0]!.terminate();
  await until(() => seen.count === 2, 'the welcome after a re-dial');
  cp.welcomed[1]!.notify({ type: 'server_deleted', serverId: 's2' });
  await until(() => notices.length === 3, 'a notice on the new socket');
  await closeDialer(remote);
  await cp.stop();
});

test('a refused credential is reported once and never re-dialled; requests fail at once', async () => {
  let handled = 0;
  const cp = await controlPlane(async () => {
    handled++;
    return {};
  });
  const remote = dialer(cp.port, { credential: 'revoked' });
  const reasons: string[] = [];
  remote.onRefused((reason) => reasons.push(reason));
  const waiting = remote.request({ type: 'session_ended', serverId: 's1', session: { sessionKey: '1:1', endedAt: 1, bytesSent: 0, bytesReceived: 0 } });
  remote.start();
  await assert.rejects(waiting, { code: 'refused' });
  await until(() => reasons.length === 1, 'the refusal');
  assert.match(reasons[0]!, /^HTTP 401: .*not valid/);
  // Re-dials would come every 10–40 ms: half a second without one shows there are none.
  const dialsThen = cp.dials;
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(cp.dials, dialsThen);
  assert.equal(cp.dials, 1);
  assert.equal(reasons.length, 1);
  assert.equal(remote.connected, false);
  await assert.rejects(remote.request({ type: 'list_servers' }), { code: 'refused' });
  assert.equal(handled, 0);
  await closeDialer(remote);
  await cp.stop();
});

test('a socket cut while a fact is being handled: re-sent, handled once, answered on the new socket', async () => {
  const calls = new Map<string, number>();
  const release = deferred();
  const cp: ControlPlane = await controlPlane(async (_peer, request) => {
    if (request.type !== 'session_established') return {};
    const key = request.session.sessionKey;
    calls.set(key, (calls.get(key) ?? 0) + 1);
    if (calls.get(key) === 1) {
      // The connection drops after the fact reached the handler, before its reply is sent.
      for (const s of cp.sockets.sessions()) s.terminate();
      await release.promise;
    }
    return {};
  });
  const remote = dialer(cp.port);
  const seen = connections(remote);
  remote.start();
  let answered = false;
  const fact = remote.request({ type: 'session_established', serverId: 's1', session: session(1) }).then((reply) => {
    answered = true;
    return reply;
  });
  await until(() => seen.count === 2, 'the re-dial after the cut');
  // The re-sent id is still in flight: it is not handled again, and it is answered once done.
  await until(() => cp.dials === 2, 'the second dial');
  assert.equal(answered, false);
  release.resolve();
  assert.deepEqual(await fact, {});
  assert.equal(calls.get('100:1'), 1);
  assert.equal(remote.waitingCount, 0);
  await closeDialer(remote);
  await cp.stop();
});

test('a reply lost with its socket is answered from the record when the id is re-sent', async () => {
  let calls = 0;
  const cp: ControlPlane = await controlPlane(async (_peer, request) => {
    if (request.type !== 'session_ended') return {};
    calls++;
    // Handled and answered, but the socket is cut before the reply goes out.
    for (const s of cp.sockets.sessions()) s.terminate();
    return {};
  });
  const remote = dialer(cp.port);
  const seen = connections(remote);
  remote.start();
  const reply = await remote.request({ type: 'session_ended', serverId: 's1', session: { sessionKey: '100:1', endedAt: 5, bytesSent: 1, bytesReceived: 2 } });
  assert.deepEqual(reply, {});
  assert.equal(calls, 1);
  assert.ok(seen.count >= 2, 'it took a second socket');
  await closeDialer(remote);
  await cp.stop();
});

test('facts made while the control plane is down all arrive, in order, once it returns', async () => {
  const first = await controlPlane(async () => ({}));
  const port = first.port;
  const remote = dialer(port);
  const seen = connections(remote);
  remote.start();
  await until(() => seen.count === 1, 'the first welcome');
  await first.stop();
  await until(() => !remote.connected, 'the drop');

  const facts: Promise<unknown>[] = [];
  for (let n = 1; n <= 300; n++) {
    facts.push(remote.request({ type: 'session_established', serverId: 's1', session: session(n) }));
    facts.push(remote.request({ type: 'session_ended', serverId: 's1', session: { sessionKey: `100:${n}`, endedAt: 2_000_000_000_000 + n, bytesSent: n, bytesReceived: n } }));
  }
  assert.equal(remote.waitingCount, 600);

  const arrived: string[] = [];
  await controlPlane(
    async (_peer, request) => {
      if (request.type === 'session_established' || request.type === 'session_ended') arrived.push(`${request.type}:${request.session.sessionKey}`);
      return {};
    },
    { port },
  );
  await Promise.all(facts);
  const expected: string[] = [];
  for (let n = 1; n <= 300; n++) expected.push(`session_established:100:${n}`, `session_ended:100:${n}`);
  assert.deepEqual(arrived, expected);
  assert.equal(seen.count, 2);
  await closeDialer(remote);
});

test('with several control-plane URLs, a re-dial after a failure tries the next one', async () => {
  const gone = await controlPlane(async () => ({}));
  const deadPort = gone.port;
  await gone.stop();
  const cp = await controlPlane(async (_peer, request) => (request.type === 'list_servers' ? { serverIds: ['s1'] } : {}));
  const remote = new RemoteControlPlane({ url: [`http://127.0.0.1:${deadPort}`, `http://127.0.0.1:${cp.port}`], credential: GOOD, version: '0.1.0-test', log, backoff: FAST_BACKOFF });
  dialers.add(remote);
  remote.start();
  assert.deepEqual(await remote.request({ type: 'list_servers' }), { serverIds: ['s1'] });
  assert.equal(cp.welcomed.length, 1);
  await closeDialer(remote);
});

test('a read times out while disconnected; a fact keeps waiting until the channel closes', async () => {
  const nobody = await controlPlane(async () => ({}));
  const port = nobody.port;
  await nobody.stop(); // nothing listens on the port now
  const remote = dialer(port, { requestTimeoutMs: 100 });
  remote.start();
  const fact = remote.request({ type: 'server_stopped', serverId: 's1' });
  const started = Date.now();
  await assert.rejects(remote.request({ type: 'get_server', serverId: 's1' }), { code: 'timeout' });
  assert.ok(Date.now() - started >= 90);
  await assert.rejects(remote.request({ type: 'authorize', serverId: 's1', sessionKey: '1:1', username: 'u', password: 'p', commonName: undefined, reauth: false, certSerial: undefined }), { code: 'timeout' });
  assert.equal(remote.waitingCount, 1, 'the fact still waits');
  await closeDialer(remote);
  await assert.rejects(fact, { code: 'closed' });
});

test('too many waiting: the oldest superseded reports go first, session facts stay', async () => {
  const remote = dialer(1, { maxWaiting: 4 }); // never started: everything waits
  const outcomes: string[] = [];
  const track = (name: string, promise: Promise<unknown>): void => {
    promise.then(
      () => outcomes.push(`${name}:ok`),
      (error: { code: string }) => outcomes.push(`${name}:${error.code}`),
    );
  };
  track('traffic', remote.request({ type: 'session_traffic', serverId: 's1', sessions: [] }));
  track('fact1', remote.request({ type: 'session_established', serverId: 's1', session: session(1) }));
  track('metrics', remote.request({ type: 'metrics', snapshot: {} as never }));
  track('fact2', remote.request({ type: 'session_ended', serverId: 's1', session: { sessionKey: '100:1', endedAt: 1, bytesSent: 0, bytesReceived: 0 } }));
  track('fact3', remote.request({ type: 'session_established', serverId: 's1', session: session(2) }));
  track('fact4', remote.request({ type: 'session_established', serverId: 's1', session: session(3) }));
  await until(() => outcomes.length === 2, 'two reports dropped');
  assert.deepEqual(outcomes, ['traffic:superseded', 'metrics:superseded']);
  // Only session facts are left: none of them is dropped, the bound is exceeded instead.
  track('fact5', remote.request({ type: 'session_established', serverId: 's1', session: session(4) }));
  assert.equal(remote.waitingCount, 5);
  await closeDialer(remote);
  await until(() => outcomes.length === 7, 'the rest failing on close');
  assert.deepEqual(outcomes.slice(2).sort(), ['fact1:closed', 'fact2:closed', 'fact3:closed', 'fact4:closed', 'fact5:closed']);
});

test('a request larger than a frame may be fails at once instead of breaking the socket on every re-send', async () => {
  const cp = await controlPlane(async () => ({}));
  const remote = dialer(cp.port);
  remote.start();
  const sessions = Array.from({ length: 20_000 }, (_, n) => ({ sessionKey: `100:${n}`, bytesSent: n, bytesReceived: n }));
  await assert.rejects(remote.request({ type: 'session_traffic', serverId: 's1', sessions }), { code: 'too_large' });
  assert.deepEqual(await remote.request({ type: 'server_stopped', serverId: 's1' }), {});
  assert.equal(cp.welcomed.length, 1, 'the socket lived on');
  await closeDialer(remote);
  await cp.stop();
});

test('heartbeat: the control plane cuts off a peer that stops answering pings', async () => {
  const cp = await controlPlane(async () => ({}), { heartbeatMs: 30 });
  const socket = await rawSocket(cp.port, { autoPong: false });
  const welcome = new Promise<string>((resolve) => socket.once('message', (data) => resolve(data.toString())));
  socket.send(JSON.stringify({ type: 'hello', version: 'x', instance: 'raw' }));
  assert.deepEqual(JSON.parse(await welcome), { type: 'welcome', gatewayId: 'gw-1', name: 'edge-1' });
  const closed = closeOf(socket);
  const started = Date.now();
  await until(() => cp.sockets.sessions().length === 0 && cp.welcomed.length === 1, 'the silent peer to be cut off', 3000);
  await closed;
  assert.ok(Date.now() - started >= 60, 'not before it missed its pings');
  // Its "last seen" is its hello, from before the missed pings, not the moment it was cut off.
  assert.ok(cp.welcomed[0]!.silentMs() >= 60, `silent for ${cp.welcomed[0]!.silentMs()} ms`);
  await cp.stop();
});

test('heartbeat: a peer that answers pings stays; the gateway re-dials a silent control plane', async () => {
  // The control plane pings every 60 ms: the dialer answers, and stays connected. (At 20 ms a
  // busy machine's event-loop pause of 60 ms alone looked like three missed pings.)
  const lively = await controlPlane(async () => ({}), { heartbeatMs: 60 });
  const remote = dialer(lively.port, { heartbeatMs: 60 });
  const seen = connections(remote);
  remote.start();
  await until(() => seen.count === 1, 'the welcome');
  let cut = false;
  lively.welcomed[0]!.onClose(() => (cut = true));
  // Ten heartbeats' worth of watching: three missed pings would have cut it off by now.
  await new Promise((resolve) => setTimeout(resolve, 600));
  // After a pause of the whole process the timer fires before the pongs that queued meanwhile
  // are read: let them in first.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(cut, false, 'the socket stayed open');
  assert.ok(lively.welcomed[0]!.silentMs() < 600, 'its pongs count as heard');
  assert.equal(seen.count, 1);
  await closeDialer(remote);
  await lively.stop();

  // This control plane never pings: the gateway hears nothing for 3 × 20 ms and dials again.
  const silent = await controlPlane(async () => ({}), { heartbeatMs: 60_000 });
  const again = dialer(silent.port, { heartbeatMs: 20 });
  const redials = connections(again);
  again.start();
  await until(() => redials.count >= 2, 'a re-dial after the silence', 3000);
  await closeDialer(again);
  await silent.stop();
});

test('bad frames close the socket with 1008 naming the problem; other paths and missing credentials', async () => {
  const cp = await controlPlane(async () => ({}));
  const garbage = await rawSocket(cp.port);
  const garbageClosed = closeOf(garbage);
  garbage.send('{"type":');
  assert.deepEqual(await garbageClosed, { code: 1008, reason: 'bad JSON' });

  const early = await rawSocket(cp.port);
  const earlyClosed = closeOf(early);
  early.send(JSON.stringify({ type: 'request', id: 1, body: { type: 'list_servers' } }));
  assert.deepEqual(await earlyClosed, { code: 1008, reason: 'expected hello' });

  const wrong = await rawSocket(cp.port);
  const wrongClosed = closeOf(wrong);
  wrong.send(JSON.stringify({ type: 'hello', version: '1', instance: 'i' }));
  wrong.send(JSON.stringify({ type: 'request', id: 1, body: { type: 'format_disk' } }));
  assert.deepEqual(await wrongClosed, { code: 1008, reason: 'unknown request type "format_disk"' });

  const big = await rawSocket(cp.port);
  const bigClosed = closeOf(big);
  big.send(JSON.stringify({ type: 'hello', version: 'x'.repeat(1024 * 1024), instance: 'i' }));
  assert.ok([1006, 1009].includes((await bigClosed).code), 'an oversized frame ends the socket');

  // Without a credential the upgrade is answered 401 before any WebSocket exists.
  const anonymous = new WebSocket(`ws://127.0.0.1:${cp.port}/gateway/connect`);
  anonymous.on('error', () => undefined);
  const status = await new Promise<number>((resolve) => anonymous.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  anonymous.terminate();
  assert.equal(status, 401);

  // Upgrades for other paths are left to whoever else listens.
  const other = new WebSocketServer({ noServer: true });
  cp.server.on('upgrade', (request, socket, head) => {
    if (request.url === '/other') other.handleUpgrade(request, socket, head, (ws) => ws.send('other'));
  });
  const elsewhere = new WebSocket(`ws://127.0.0.1:${cp.port}/other`);
  const hello = await new Promise<string>((resolve, reject) => {
    elsewhere.once('message', (data) => resolve(data.toString()));
    elsewhere.once('error', reject);
  });
  assert.equal(hello, 'other');
  elsewhere.terminate();
  await new Promise<void>((resolve) => other.close(() => resolve()));
  await cp.stop();
});

test('wss:// with the control plane CA given as a PEM', async () => {
  const now = new Date();
  const ca = await createCertificateAuthority({ commonName: 'test control plane CA', validDays: 2, now });
  const leaf = await issueCertificate({ issuer: ca, kind: 'server', commonName: 'control plane', subjectAltNames: ['127.0.0.1'], validDays: 1, now });
  const server = createHttpsServer({ cert: leaf.certificatePem, key: leaf.privateKeyPem });
  let untrusted = 0;
  server.on('tlsClientError', () => untrusted++);
  const cp = await controlPlane(async () => ({ serverIds: ['s9'] }), { server: server as unknown as Server });
  const remote = dialer(cp.port, { caPem: ca.certificatePem }, 'https');
  remote.start();
  assert.deepEqual(await remote.request({ type: 'list_servers' }), { serverIds: ['s9'] });
  await closeDialer(remote);

  // Without the CA the certificate is not trusted: no welcome, the dialer keeps trying.
  const untrusting = dialer(cp.port, {}, 'https');
  untrusting.start();
  await until(() => untrusted >= 2 || cp.welcomed.length > 1, 'failed handshakes, re-dialled');
  assert.equal(cp.welcomed.length, 1);
  assert.equal(cp.dials, 1, 'no upgrade without a trusted certificate');
  await closeDialer(untrusting);
  await cp.stop();
});

test('closing both ends leaves nothing that keeps the process alive', async () => {
  const baseline = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
  const cp = await controlPlane(async () => ({}), { heartbeatMs: 20 });
  const remote = dialer(cp.port, { heartbeatMs: 20, requestTimeoutMs: 60_000 });
  remote.start();
  await remote.request({ type: 'list_servers' });
  void remote.request({ type: 'get_server', serverId: 's1' }).catch(() => undefined);
  await closeDialer(remote);
  await cp.stop();
  // A dialer closed while re-dialling leaves no timer either.
  const orphan = dialer(cp.port, { backoff: { initialMs: 60_000, maxMs: 60_000 } });
  orphan.start();
  await until(() => !orphan.connected && orphan.waitingCount === 0, 'the failed dial');
  await new Promise((resolve) => setTimeout(resolve, 50));
  await closeDialer(orphan);
  await until(() => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length <= baseline, 'handles to go', 2000).catch(() => {
    assert.fail(`still alive: ${process.getActiveResourcesInfo().join(', ')}`);
  });
});
