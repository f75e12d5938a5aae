import { test, type TestContext } from 'node:test';
import { Duplex } from 'node:stream';
import assert from 'node:assert/strict';
import { ManagementConnection } from './management-connection.ts';
import type { ManagementConnectionOptions } from './management-connection.ts';
import { ManagementClosedError, ManagementReplyError } from '../core/errors.ts';
import type { SessionFact } from '../core/sessions.ts';
import { FakeManagementServer } from '../../../test/support/fake-management.ts';

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function attach(fake: FakeManagementServer, options: Partial<ManagementConnectionOptions> = {}) {
  const connection = new ManagementConnection({ socketPath: fake.socketPath, tickIntervalMs: 0, ...options });
  const facts: SessionFact[] = [];
  connection.on('fact', (fact) => facts.push(fact));
  await connection.connect();
  return { connection, facts };
}

test('attaches, releases the hold, authorizes, sees established, kills with HALT, sees disconnected', async (t) => {
  const fake = await FakeManagementServer.start({ daemonStartTime: 1000 });
  t.after(() => fake.close());
  const { connection, facts } = await attach(fake);
  t.after(() => connection.close());
  await fake.waitForCommand('hold release');
  await until(() => !fake.held, 'hold released');

  const cid = fake.connectClient({ username: 'bob', password: 'p w=,"x"', commonName: 'alice', ip: '127.0.0.1', port: 5555 });
  await until(() => facts.length === 1, 'auth_request');
  const auth = facts[0];
  assert.ok(auth?.type === 'auth_request');
  assert.deepEqual(auth.key, { processStart: 1000, cid });
  assert.equal(auth.password, 'p w=,"x"');

  await connection.authorize(cid, auth.kid, { allow: true });
  await until(() => facts.length === 2, 'established');
  assert.deepEqual(facts[1], {
    type: 'established',
    key: { processStart: 1000, cid },
    clientIp: fake.clients.get(cid)?.poolIp,
    remoteIp: '127.0.0.1',
    remotePort: 5555,
    commonName: 'alice',
    username: 'bob',
    certSerial: '499602d2',
    startedAt: (fake.clients.get(cid)?.timeUnix ?? 0) * 1000,
  });

  const status = await connection.status();
  assert.equal(status.clients.length, 1);
  assert.equal(status.clients[0]?.username, 'bob');

  await connection.killClient(cid, 'removed by "admin"');
  assert.deepEqual(fake.kills, [{ cid, message: 'HALT,removed by "admin"' }]);
  await until(() => facts.length === 3, 'disconnected');
  assert.ok(facts[2]?.type === 'disconnected' && facts[2].wasEstablished && facts[2].bytesSent === 2171);
});

test('deny sends client-deny with quoted reasons; the empty-ENV DISCONNECT is marked never established', async (t) => {
  const fake = await FakeManagementServer.start({ hold: false, daemonStartTime: 1 });
  t.after(() => fake.close());
  const { connection, facts } = await attach(fake);
  t.after(() => connection.close());
  const cid = fake.connectClient({ username: 'eve' });
  await until(() => facts.length === 1, 'auth_request');
  await connection.authorize(cid, 1, { allow: false, reason: 'bad "otp"', clientReason: 'TEMP[backoff 5]: try again' });
  assert.ok(fake.commands.includes('client-deny 0 1 "bad \\"otp\\"" "TEMP[backoff 5]: try again"'));
  await until(() => facts.length === 2, 'disconnected');
  assert.ok(facts[1]?.type === 'disconnected' && !facts[1].wasEstablished);
});

test('ERROR replies reject with ManagementReplyError; status before hold release is refused', async (t) => {
  const fake = await FakeManagementServer.start({ hold: true });
  t.after(() => fake.close());
  const { connection } = await attach(fake, { autoHoldRelease: false });
  t.after(() => connection.close());
  await assert.rejects(connection.status(), ManagementReplyError);
  await assert.rejects(connection.killClient(42, 'x'), ManagementReplyError);
  await connection.holdRelease();
  assert.deepEqual((await connection.status()).clients, []);
});

test('a closed socket rejects outstanding commands and reports close', async (t) => {
  const fake = await FakeManagementServer.start({ hold: false });
  t.after(() => fake.close());
  const { connection } = await attach(fake);
  let closed: { error: Error | undefined } | undefined;
  connection.on('close', (info) => (closed = info));
  // `hold` answers with one line, so a block expectation stays open until the socket dies.
  const outstanding = connection.send({ lines: ['hold'], expect: 'block' });
  await fake.waitForCommand('hold');
  fake.disconnectManager();
  await assert.rejects(outstanding, ManagementClosedError);
  await until(() => closed !== undefined, 'close event');
  await assert.rejects(connection.holdRelease(), ManagementClosedError);
});

test('in-process restart: old sessions end, hold is released again, CIDs restart in a new epoch', async (t) => {
  const fake = await FakeManagementServer.start({ hold: false, daemonStartTime: 500 });
  t.after(() => fake.close());
  const { connection, facts } = await attach(fake);
  t.after(() => connection.close());
  const cid = fake.connectClient();
  fake.establish(cid);
  await until(() => facts.length === 2, 'established');
  fake.restart(600);
  await until(() => !fake.held, 'automatic hold release after restart');
  const fresh = fake.connectClient();
  assert.equal(fresh, 0);
  await until(() => facts.length === 4, 'new auth_request');
  assert.deepEqual(
    facts.map((f) => `${f.type}:${f.key.processStart}:${f.key.cid}`),
    ['auth_request:500:0', 'established:500:0', 'disconnected:500:0', 'auth_request:600:0'],
  );
});

test('auth requests expire on tick with an injected clock', async (t) => {
  const fake = await FakeManagementServer.start({ hold: false });
  t.after(() => fake.close());
  let now = 0;
  const { connection, facts } = await attach(fake, { clock: { now: () => now }, authTimeoutMs: 1000 });
  t.after(() => connection.close());
  fake.connectClient();
  await until(() => facts.length === 1, 'auth_request');
  now = 999;
  connection.tick();
  assert.equal(facts.length, 1);
  now = 1000;
  connection.tick();
  assert.equal(facts[1]?.type, 'auth_expired');
});

test('a burst of 2000 sessions arrives complete and in order', async (t) => {
  const fake = await FakeManagementServer.start({ hold: false, daemonStartTime: 9 });
  t.after(() => fake.close());
  const { connection, facts } = await attach(fake);
  t.after(() => connection.close());
  await fake.burst(2000);
  await until(() => facts.length === 6000, `6000 facts (have ${facts.length})`, 20_000);
  assert.deepEqual(facts.slice(0, 3).map((f) => f.type), ['auth_request', 'established', 'disconnected']);
  assert.equal(new Set(facts.map((f) => f.key.cid)).size, 2000);
});

/** A socket that records each write it gets (several corked commands arrive as one writev). */
async function recordingConnection(t: TestContext): Promise<{ connection: ManagementConnection; socket: Duplex; writes: string[] }> {
  const writes: string[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString());
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map(({ chunk }) => String(chunk)).join(''));
      done();
    },
  });
  const connection = new ManagementConnection({ socketPath: 'in-memory', tickIntervalMs: 0, connect: () => socket });
  t.after(() => connection.close());
  setImmediate(() => socket.emit('connect'));
  await connection.connect();
  return { connection, socket, writes };
}

test('commands sent in one turn leave in one write', async (t) => {
  const { connection, socket, writes } = await recordingConnection(t);
  const before = writes.length;
  const kills = [3, 4, 5].map((cid) => connection.killClient(cid, 'bye'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(writes.length - before, 1);
  assert.deepEqual(writes.at(-1)?.match(/client-kill \d+/g), ['client-kill 3', 'client-kill 4', 'client-kill 5']);
  socket.push('SUCCESS: client-kill command succeeded\r\n'.repeat(3));
  await Promise.all(kills);
});

test('released writes leave at once, together, without waiting for the turn to end', async (t) => {
  const { connection, socket, writes } = await recordingConnection(t);
  const before = writes.length;
  const kills = [6, 7].map((cid) => connection.killClient(cid, 'bye'));
  assert.equal(writes.length, before, 'corked while the turn writes');
  connection.releaseWrites();
  assert.equal(writes.length - before, 1, 'left in one write, still within the turn');
  assert.deepEqual(writes.at(-1)?.match(/client-kill \d+/g), ['client-kill 6', 'client-kill 7']);
  const later = connection.killClient(8, 'bye');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(writes.slice(before + 1).join('').match(/client-kill \d+/g), ['client-kill 8'], 'a later write of the same turn still leaves');
  socket.push('SUCCESS: client-kill command succeeded\r\n'.repeat(3));
  await Promise.all([...kills, later]);
});
