import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManagementCore } from './management-core.ts';
import type { SessionFact } from './sessions.ts';
import { connectText, disconnectText, establishedText } from '../../../test/support/management-transcript.ts';
import type { ClientIdentity } from '../../../test/support/management-transcript.ts';

const START = 1795626397;

function feed(core: ManagementCore, text: string, now = 1_000): SessionFact[] {
  return core.receive(text, now).facts;
}

function client(cid: number, extra: Partial<ClientIdentity> = {}): ClientIdentity {
  return { cid, kid: 1, username: 'bob', password: 'p@ss=w, "x" y', commonName: 'alice, inc=x', daemonStartTime: START, timeUnix: START + 1, ...extra };
}

test('CONNECT → auth_request, ESTABLISHED → established, DISCONNECT → disconnected', () => {
  const core = new ManagementCore();
  const c = client(0, { ip: '127.0.0.1', port: 49083, poolIp: '10.99.0.2' });
  const [auth] = feed(core, connectText(c));
  assert.deepEqual(auth && { ...auth, env: undefined }, {
    type: 'auth_request',
    key: { processStart: START, cid: 0 },
    kid: 1,
    reauth: false,
    username: 'bob',
    password: 'p@ss=w, "x" y',
    commonName: 'alice, inc=x',
    untrustedIp: '127.0.0.1',
    untrustedPort: 49083,
    certSerial: '499602d2', // tls_serial_0=1234567890, in hex
    env: undefined,
  });
  assert.deepEqual(feed(core, establishedText(c)), [
    {
      type: 'established',
      key: { processStart: START, cid: 0 },
      clientIp: '10.99.0.2',
      remoteIp: '127.0.0.1',
      remotePort: 49083,
      commonName: 'alice, inc=x',
      username: 'bob',
      certSerial: '499602d2',
      startedAt: (START + 1) * 1000,
    },
  ]);
  assert.deepEqual(feed(core, disconnectText(c, { sent: 2171, received: 2035 }), 9_000), [
    { type: 'disconnected', key: { processStart: START, cid: 0 }, bytesSent: 2171, bytesReceived: 2035, endedAt: 9_000, wasEstablished: true, cause: 'disconnect' },
  ]);
  assert.equal(core.tracker.size, 0);
});

test('empty-ENV DISCONNECT of a never-established client is marked so', () => {
  const core = new ManagementCore();
  feed(core, connectText(client(5)));
  assert.deepEqual(feed(core, disconnectText(client(5), undefined, true), 2_000), [
    { type: 'disconnected', key: { processStart: START, cid: 5 }, bytesSent: undefined, bytesReceived: undefined, endedAt: 2_000, wasEstablished: false, cause: 'disconnect' },
  ]);
  assert.equal(core.tracker.size, 0);
});

test('a new session of the same user before the old DISCONNECT keeps both apart', () => {
  const core = new ManagementCore();
  const old = client(0);
  const fresh = client(1, { port: 50000 });
  feed(core, connectText(old) + establishedText(old));
  const facts = feed(core, connectText(fresh) + establishedText(fresh) + disconnectText(old));
  assert.deepEqual(
    facts.map((f) => `${f.type}:${f.key.cid}`),
    ['auth_request:1', 'established:1', 'disconnected:0'],
  );
  assert.deepEqual(core.tracker.liveKeys(), [{ processStart: START, cid: 1 }]);
});

test('CID reset after an in-process restart starts a new epoch and ends the old one', () => {
  const core = new ManagementCore();
  const before = client(0);
  feed(core, connectText(before) + establishedText(before));
  // SIGHUP with DISCONNECTs lost: only the restart markers arrive.
  const restart = feed(core, '>STATE:1795626434,RECONNECTING,SIGHUP,,,,,\r\n>HOLD:Waiting for hold release:0\r\n', 5_000);
  assert.deepEqual(restart, [
    { type: 'disconnected', key: { processStart: START, cid: 0 }, bytesSent: undefined, bytesReceived: undefined, endedAt: 5_000, wasEstablished: true, cause: 'process_restarted' },
  ]);
  const after = client(0, { daemonStartTime: START + 37 });
  const facts = feed(core, connectText(after) + establishedText(after));
  assert.deepEqual(facts.map((f) => f.key), [
    { processStart: START + 37, cid: 0 },
    { processStart: START + 37, cid: 0 },
  ]);
});

test('a changed daemon_start_time alone also ends the old epoch', () => {
  const core = new ManagementCore();
  const before = client(3);
  feed(core, connectText(before) + establishedText(before));
  const facts = feed(core, connectText(client(0, { daemonStartTime: START + 60 })), 7_000);
  assert.deepEqual(
    facts.map((f) => `${f.type}:${f.key.processStart}:${f.key.cid}`),
    [`disconnected:${START}:3`, `auth_request:${START + 60}:0`],
  );
});

test('REAUTH is an auth_request flagged reauth; DISCONNECT of a session from before attach counts as established', () => {
  const core = new ManagementCore();
  const c = client(8, { kid: 2 });
  const [reauth] = feed(core, connectText(c, 'REAUTH'));
  assert.ok(reauth?.type === 'auth_request' && reauth.reauth && reauth.kid === 2);
  const [gone] = feed(core, disconnectText(client(9)));
  assert.ok(gone?.type === 'disconnected' && gone.wasEstablished);
});

test('unanswered auth requests expire on tick; answered ones do not', () => {
  const core = new ManagementCore({ authTimeoutMs: 60_000 });
  feed(core, connectText(client(1)) + connectText(client(2)), 0);
  core.tracker.authAnswered(2);
  assert.deepEqual(core.tick(59_999), []);
  assert.deepEqual(core.tick(60_000), [{ type: 'auth_expired', key: { processStart: START, cid: 1 }, kid: 1 }]);
  assert.equal(core.tracker.size, 1);
});

test('the caller can set the epoch after re-attaching', () => {
  const core = new ManagementCore();
  core.tracker.setProcessStart(START, 0);
  const [gone] = feed(core, '>CLIENT:DISCONNECT,4\r\n>CLIENT:ENV,END\r\n');
  assert.deepEqual(gone?.key, { processStart: START, cid: 4 });
});

test('a 2 kB ENV block split across many reads at awkward points gives the same facts', () => {
  const c = client(0, { password: 'pw with = and \r'.replace('\r', ' ') });
  const text = connectText(c) + establishedText(c) + disconnectText(c);
  assert.ok(Buffer.byteLength(establishedText(c)) > 1000);
  const whole = feed(new ManagementCore(), text);
  const bytes = Buffer.from(text);
  for (const step of [1, 2, 3, 7, 13, 64, 511]) {
    const core = new ManagementCore();
    const facts: SessionFact[] = [];
    for (let i = 0; i < bytes.length; i += step) facts.push(...core.receive(bytes.subarray(i, i + step), 1_000).facts);
    assert.deepEqual(facts, whole, `step ${step}`);
  }
});

test('session count is capped', () => {
  const core = new ManagementCore({ maxSessions: 10 });
  for (let cid = 0; cid < 100; cid++) feed(core, connectText(client(cid)));
  assert.equal(core.tracker.size, 10);
});

test('the client certificate serial comes from tls_serial_hex_0, else from the decimal tls_serial_0', () => {
  const core = new ManagementCore();
  const hex = '>CLIENT:CONNECT,7,1\r\n>CLIENT:ENV,daemon_start_time=1795626397\r\n>CLIENT:ENV,tls_serial_hex_0=10:ab:00:ff\r\n>CLIENT:ENV,tls_serial_0=279642367\r\n>CLIENT:ENV,END\r\n';
  const none = '>CLIENT:CONNECT,8,1\r\n>CLIENT:ENV,daemon_start_time=1795626397\r\n>CLIENT:ENV,tls_serial_0=not-a-number\r\n>CLIENT:ENV,END\r\n';
  const [fromHex, fromNothing] = feed(core, hex + none);
  assert.equal(fromHex?.type === 'auth_request' && fromHex.certSerial, '10:ab:00:ff');
  assert.equal(fromNothing?.type === 'auth_request' && fromNothing.certSerial, undefined);
  const [decimal] = feed(core, connectText(client(9)));
  assert.equal(decimal?.type === 'auth_request' && decimal.certSerial, '499602d2');
});
