import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endTimeOf, instanceClosedAt, parseLogHistory } from './session-end.ts';

// `log all` lines as OpenVPN 2.6.14 printed them (verb 3), two clients lost while nobody attached.
const LINES = [
  '1796024148,,alice/127.0.0.1:45243 SENT CONTROL [alice]: \'PUSH_REPLY,route-gateway 10.231.0.1,topology subnet,ping 1,ping-restart 3\' (status=1)',
  '1796024149,,alice/127.0.0.1:45243 Timers: ping 1, ping-restart 6',
  '1796024150,I,127.0.0.1:49607 peer info: IV_PROTO=990',
  '1796024155,I,alice/127.0.0.1:45243 [alice] Inactivity timeout (--ping-restart), restarting',
  '1796024155,,alice/127.0.0.1:45243 SIGUSR1[soft,ping-restart] received, client-instance restarting',
  '1796024156,,alice, inc=x/127.0.0.1:58343 SIGTERM[soft,remote-exit] received, client-instance exiting',
  '1796024157,,127.0.0.1:4000 SIGTERM[soft,remote-exit] received, client-instance exiting',
  '1796024158,D,MANAGEMENT: CMD \'status 3\'',
  'not a log line',
];
const log = parseLogHistory(LINES);

test('parses time, flags and message; other lines are skipped', () => {
  assert.equal(log.length, 8);
  assert.deepEqual(log[2], { at: 1_796_024_150_000, flags: 'I', message: '127.0.0.1:49607 peer info: IV_PROTO=990' });
});

test('finds the closing of an instance by its address, also behind a common name with spaces', () => {
  assert.equal(instanceClosedAt(log, '127.0.0.1', 45243, 1_796_024_148_000), 1_796_024_155_000);
  assert.equal(instanceClosedAt(log, '127.0.0.1', 58343, 1_796_024_148_000), 1_796_024_156_000);
  assert.equal(instanceClosedAt(log, '127.0.0.1', 4000, 1_796_024_148_000), 1_796_024_157_000);
});

test('the address must match whole, and the line must come after the session started', () => {
  assert.equal(instanceClosedAt(log, '127.0.0.1', 400, 0), undefined);
  assert.equal(instanceClosedAt(log, '127.0.0.1', 45, 0), undefined);
  assert.equal(instanceClosedAt(log, '127.0.0.1', 49607, 0), undefined, 'not closed, only logged');
  assert.equal(instanceClosedAt(log, '127.0.0.1', 45243, 1_796_024_156_000), undefined, 'an earlier instance on the same address');
  // OpenVPN logs whole seconds: a session that started at .700 may end in the line of that second.
  assert.equal(instanceClosedAt(log, '127.0.0.1', 45243, 1_796_024_155_700), 1_796_024_155_000);
});

test("end time: OpenVPN's line first, else when last seen alive (not before the start), never after now", () => {
  const now = 1_796_024_300_000;
  const session = { startedAt: 1_796_024_148_000, remoteIp: '127.0.0.1', remotePort: 45243 };
  assert.equal(endTimeOf(session, log, 1_796_024_150_000, now), 1_796_024_155_000);
  const unlogged = { ...session, remotePort: 45244 };
  assert.equal(endTimeOf(unlogged, log, 1_796_024_150_000, now), 1_796_024_150_000);
  assert.equal(endTimeOf(unlogged, log, 1_796_024_100_000, now), session.startedAt, 'seen before it started: it ended after its start');
  assert.equal(endTimeOf(unlogged, log, undefined, now), now);
  assert.equal(endTimeOf(unlogged, [], now + 5000, now), now);
  assert.equal(endTimeOf({ ...session, remotePort: 0 }, log, 1_796_024_150_000, now), 1_796_024_150_000, 'no port (IPv6): no log match');
});
