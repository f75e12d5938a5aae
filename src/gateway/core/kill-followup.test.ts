import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManagementCore } from './management-core.ts';
import { alarmNeeded } from './kill-followup.ts';
import { killableAddress, killRealAddress } from './commands.ts';
import { CommandEncodingError } from './errors.ts';
import { connectText, disconnectText, establishedText } from '../../../test/support/management-transcript.ts';
import type { ClientIdentity } from '../../../test/support/management-transcript.ts';

const START = 1795626397;

function client(cid: number, port: number, extra: Partial<ClientIdentity> = {}): ClientIdentity {
  return { cid, kid: 1, username: 'bob', commonName: 'alice', daemonStartTime: START, timeUnix: START + 1, ip: '198.18.0.2', port, poolIp: `10.99.0.${cid + 2}`, ...extra };
}

function live(core: ManagementCore, c: ClientIdentity, now = 0): void {
  core.receive(connectText(c), now);
  core.receive(establishedText(c), now);
}

const lines = (core: ManagementCore, now: number): string[] => core.dueFollowUps(now).flatMap((f) => f.command.lines);

test('`kill IP:port` goes out once the grace after the HALT has passed, by the session\'s own address', () => {
  const core = new ManagementCore({ killGraceMs: 1200 });
  live(core, client(0, 40000));
  live(core, client(1, 40001));
  assert.equal(core.tracker.realAddressOf(0), '198.18.0.2:40000');
  assert.equal(core.halted(0, 10_000), 11_200);
  assert.equal(core.followUps?.nextDueAt(), 11_200);
  assert.deepEqual(lines(core, 11_199), []);
  assert.deepEqual(lines(core, 11_200), ['kill 198.18.0.2:40000']);
  // Sent once only.
  assert.deepEqual(lines(core, 20_000), []);
  assert.equal(core.followUps?.size, 0);
});

test('a session that ended during the grace gets no follow-up', () => {
  const core = new ManagementCore({ killGraceMs: 500 });
  const c = client(3, 40003);
  live(core, c);
  core.halted(3, 0);
  core.receive(disconnectText(c, { sent: 1, received: 2 }), 100);
  assert.deepEqual(lines(core, 600), []);
});

test('a new session that took over the address during the grace is never hit', () => {
  const core = new ManagementCore({ killGraceMs: 500 });
  const old = client(4, 40004);
  live(core, old);
  core.halted(4, 0);
  // OpenVPN has not reported the old end yet, but a new instance from the same IP:port appeared.
  core.receive(connectText(client(9, 40004)), 100);
  assert.equal(core.tracker.holderOf('198.18.0.2:40004'), 9);
  assert.deepEqual(lines(core, 600), []);
});

test('a restart of OpenVPN (new epoch) drops the follow-ups of the old one', () => {
  const core = new ManagementCore({ killGraceMs: 500 });
  live(core, client(0, 40010));
  core.halted(0, 0);
  core.receive(`>HOLD:Waiting for hold release:0\r\n`, 10);
  live(core, client(0, 40010, { daemonStartTime: START + 5 }), 20);
  assert.deepEqual(lines(core, 600), []);
});

test('no grace configured, unknown address or IPv6: no follow-up, OpenVPN\'s own interval ends it', () => {
  const none = new ManagementCore();
  live(none, client(0, 40020));
  assert.equal(none.halted(0, 0), undefined);
  assert.deepEqual(none.dueFollowUps(10_000), []);

  const core = new ManagementCore({ killGraceMs: 100 });
  assert.equal(core.halted(7, 0), undefined, 'never seen');
  live(core, client(1, 40021, { ip: '2001:db8::2' }));
  assert.equal(core.tracker.realAddressOf(1), '2001:db8::2:40021');
  assert.equal(core.halted(1, 0), undefined);
});

test('several halts: each due at its own time; a repeated halt keeps the first due time', () => {
  const core = new ManagementCore({ killGraceMs: 1000 });
  for (let cid = 0; cid < 3; cid++) live(core, client(cid, 41000 + cid));
  core.halted(0, 0);
  core.halted(1, 300);
  assert.equal(core.halted(0, 600), 1000);
  assert.deepEqual(lines(core, 1000), ['kill 198.18.0.2:41000']);
  assert.equal(core.followUps?.nextDueAt(), 1300);
  assert.deepEqual(lines(core, 1300), ['kill 198.18.0.2:41001']);
});

test('killRealAddress encodes IPv4 IP:port only', () => {
  assert.deepEqual(killRealAddress('127.0.0.1:59398').lines, ['kill 127.0.0.1:59398']);
  for (const bad of ['127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', '300.1.1.1:5', '::1:5', 'alice', '1.2.3.4:5 extra', 'udp:1.2.3.4:5']) {
    assert.equal(killableAddress(bad), false, bad);
    assert.throws(() => killRealAddress(bad), CommandEncodingError, bad);
  }
});

test('sessions known only from `status` (begun before the agent attached) get their follow-up too', () => {
  const core = new ManagementCore({ killGraceMs: 200 });
  core.tracker.setProcessStart(START, 0);
  core.tracker.noteListedAddresses([
    { cid: 4, address: '198.18.0.2:42004' },
    { cid: 5, address: '198.18.0.2:42005' },
  ]);
  assert.equal(core.halted(4, 0), 200);
  assert.equal(core.halted(5, 0), 200);
  // cid 5 ends meanwhile; a session seen by its events takes over 42004's address.
  core.receive(disconnectText(client(5, 42005), { sent: 1, received: 1 }), 50);
  live(core, client(6, 42004), 60);
  assert.deepEqual(lines(core, 200), []);
  // A later status no longer lists what ended.
  core.tracker.noteListedAddresses([{ cid: 7, address: '198.18.0.2:42007' }]);
  assert.equal(core.tracker.realAddressOf(4), undefined);
  assert.equal(core.tracker.realAddressOf(6), '198.18.0.2:42004');
  assert.equal(core.halted(7, 300), 500);
  assert.deepEqual(lines(core, 500), ['kill 198.18.0.2:42007']);
});

test('the follow-up alarm is set again only for an earlier follow-up', () => {
  assert.equal(alarmNeeded(undefined, 5000), true, 'none armed');
  assert.equal(alarmNeeded(5000, 4999), true, 'an earlier one');
  assert.equal(alarmNeeded(5000, 5000), false, 'the same time: the armed alarm serves it');
  assert.equal(alarmNeeded(5000, 6000), false, 'a later one is found when the alarm fires');
});
