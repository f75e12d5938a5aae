import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerTally, causeOf, type EndContext } from './tally.ts';
import type { StatusSnapshot } from './status.ts';

const end = (over: Partial<EndContext> = {}): EndContext => ({ killed: undefined, processEnded: undefined, idleTimeoutSeconds: 0, endedAt: 100_000, ...over });
const status = (clients: { cid: number; ip: string; rx: number; tx: number }[], lastRef?: Map<string, number>): StatusSnapshot => ({
  time: undefined,
  title: undefined,
  globalStats: new Map(),
  skippedRows: 0,
  clients: clients.map((c) => ({ cid: c.cid, commonName: 'a', realAddressText: '', realAddress: undefined, virtualAddress: c.ip, virtualIpv6Address: undefined, bytesReceived: c.rx, bytesSent: c.tx, connectedSince: undefined, username: undefined, peerId: undefined, cipher: undefined })),
  ...(lastRef && { lastRef }),
});

test('connects, disconnects by cause and the live gauge; a session is counted once', () => {
  const t = new ServerTally();
  t.established('1:0', '10.0.0.2');
  t.established('1:0', '10.0.0.2');
  t.established('1:1', '10.0.0.3');
  t.established('1:2', undefined, false);
  assert.equal(t.snapshot().connects, 2);
  assert.equal(t.snapshot().connected, 3);
  assert.equal(t.ended('1:0', { received: 10, sent: 20 }, end({ killed: 'operator_disconnect' })), 'operator_disconnect');
  assert.equal(t.ended('1:0', { received: 10, sent: 20 }, end()), undefined, 'a repeated end changes nothing');
  assert.equal(t.ended('1:1', { received: undefined, sent: undefined }, end({ processEnded: 'restarted' })), 'restart');
  const s = t.snapshot();
  assert.equal(s.connected, 1);
  assert.equal(s.disconnects.operator_disconnect, 1);
  assert.equal(s.disconnects.restart, 1);
  assert.equal(s.disconnects.client, 0);
});

test('bytes: live sessions from polls plus ended sessions once, never going back', () => {
  const t = new ServerTally();
  t.established('5:0', '10.0.0.2');
  t.established('5:1', '10.0.0.3');
  t.polled(status([{ cid: 0, ip: '10.0.0.2', rx: 100, tx: 1000 }, { cid: 1, ip: '10.0.0.3', rx: 50, tx: 500 }, { cid: 9, ip: '10.0.0.9', rx: 7, tx: 7 }]), 5);
  assert.deepEqual([t.snapshot().bytesReceived, t.snapshot().bytesSent], [150, 1500]);
  // The DISCONNECT's figures are final; a smaller one (lost ENV) keeps the polled count.
  t.ended('5:0', { received: 120, sent: 1100 }, end());
  t.ended('5:1', { received: undefined, sent: undefined }, end());
  assert.deepEqual([t.snapshot().bytesReceived, t.snapshot().bytesSent], [170, 1600]);
  t.polled(status([{ cid: 0, ip: '10.0.0.2', rx: 999, tx: 999 }]), 5);
  assert.deepEqual([t.snapshot().bytesReceived, t.snapshot().bytesSent], [170, 1600], 'an ended session is not counted again');
});

test('idle timeout: no tunnel traffic for the timeout before the end; otherwise the client left', () => {
  const idle = end({ idleTimeoutSeconds: 60, endedAt: 200_000 });
  assert.equal(causeOf(idle, 200_000 - 61_000), 'idle_timeout');
  assert.equal(causeOf(idle, 200_000 - 58_500), 'idle_timeout', 'within the tolerance');
  assert.equal(causeOf(idle, 200_000 - 30_000), 'client');
  assert.equal(causeOf(idle, undefined), 'client', 'never polled: cannot tell');
  assert.equal(causeOf(end({ idleTimeoutSeconds: 0 }), 0), 'client', 'no idle timeout configured');
  assert.equal(causeOf(end({ killed: 'revoke', processEnded: 'restarted' }), 0), 'revoke', 'a kill names its own cause');
  assert.equal(causeOf(end({ processEnded: 'deleted' }), undefined), 'delete');

  const t = new ServerTally();
  t.established('1:0', '10.0.0.2');
  t.polled(status([{ cid: 0, ip: '10.0.0.2', rx: 1, tx: 1 }], new Map([['10.0.0.2', 100_000]])), 1);
  assert.equal(t.ended('1:0', { received: 1, sent: 1 }, end({ idleTimeoutSeconds: 60, endedAt: 161_000 })), 'idle_timeout');
});

test('auth decisions, restarts and health', () => {
  const t = new ServerTally();
  t.authDecided('allowed');
  t.authDecided('denied');
  t.authDecided('denied');
  t.authDecided('expired');
  t.restarted();
  t.health('degraded');
  const s = t.snapshot();
  assert.deepEqual(s.auth, { allowed: 1, denied: 2, expired: 1 });
  assert.equal(s.restarts, 1);
  assert.equal(s.health, 'degraded');
});
