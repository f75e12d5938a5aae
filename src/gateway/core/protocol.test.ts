import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineFramer } from './framer.ts';
import { ManagementProtocol } from './protocol.ts';
import type { ProtocolOutput } from './protocol.ts';
import { connectText, status3Lines } from '../../../test/support/management-transcript.ts';

function run(protocol: ManagementProtocol, text: string): ProtocolOutput[] {
  const framer = new LineFramer();
  return framer.push(text).flatMap((item) => protocol.feed(item));
}

test('line replies are matched to commands in FIFO order', () => {
  const protocol = new ManagementProtocol();
  const a = protocol.expect('line');
  const b = protocol.expect('line');
  const out = run(protocol, 'SUCCESS: hold release succeeded\r\nERROR: client-kill command failed\r\n');
  assert.deepEqual(out, [
    { kind: 'reply', id: a, reply: { ok: true, shape: 'line', text: 'SUCCESS: hold release succeeded' } },
    { kind: 'reply', id: b, reply: { ok: false, text: 'ERROR: client-kill command failed' } },
  ]);
  assert.equal(protocol.outstanding, 0);
});

test('an event in the middle of a status 3 reply is not mixed into it', () => {
  const protocol = new ManagementProtocol();
  const id = protocol.expect('block');
  const status = status3Lines([{ cid: 0, commonName: 'alice', realAddress: '127.0.0.1:1', virtualAddress: '10.99.0.2', connectedSince: 1 }], 2);
  const mid = 4;
  const text = [...status.slice(0, mid), '>BYTECOUNT_CLI:0,10,20', '>CLIENT:ADDRESS,0,10.99.0.2,1', ...status.slice(mid)].join('\r\n') + '\r\n';
  const out = run(protocol, text);
  assert.deepEqual(
    out.map((o) => o.kind),
    ['event', 'event', 'reply'],
  );
  const reply = out[2];
  assert.ok(reply?.kind === 'reply' && reply.id === id && reply.reply.ok && reply.reply.shape === 'block');
  assert.deepEqual(reply.reply.lines, status.slice(0, -1));
});

test('a >CLIENT block inside a block reply comes out whole, reply intact', () => {
  const protocol = new ManagementProtocol();
  protocol.expect('block');
  const block = connectText({ cid: 3, kid: 1, username: 'bob', password: 'p', daemonStartTime: 100 });
  const out = run(protocol, `TITLE\tx\r\n${block}END\r\n`);
  assert.equal(out.length, 2);
  assert.ok(out[0]?.kind === 'event' && out[0].event.type === 'client' && out[0].event.kind === 'CONNECT');
  assert.ok(out[1]?.kind === 'reply' && out[1].reply.ok && out[1].reply.shape === 'block');
  assert.deepEqual(out[1].reply.lines, ['TITLE\tx']);
});

test('ERROR answers a block command (status 3 before hold release)', () => {
  const protocol = new ManagementProtocol();
  const id = protocol.expect('block');
  const next = protocol.expect('line');
  const out = run(protocol, "ERROR: The 'status' command is not supported by the current daemon mode\r\nSUCCESS: ok\r\n");
  assert.deepEqual(out, [
    { kind: 'reply', id, reply: { ok: false, text: "ERROR: The 'status' command is not supported by the current daemon mode" } },
    { kind: 'reply', id: next, reply: { ok: true, shape: 'line', text: 'SUCCESS: ok' } },
  ]);
});

test('replies with an empty FIFO are reported as anomalies, not thrown', () => {
  const protocol = new ManagementProtocol();
  assert.deepEqual(run(protocol, 'SUCCESS: surprise\r\nEND\r\n'), [
    { kind: 'anomaly', reason: 'unexpected-reply', line: 'SUCCESS: surprise' },
    { kind: 'anomaly', reason: 'unexpected-reply', line: 'END' },
  ]);
});

test('version N expects nothing, so it does not block the FIFO', () => {
  const protocol = new ManagementProtocol();
  assert.equal(protocol.expect('none'), undefined);
  assert.equal(protocol.outstanding, 0);
});

test('ENV values keep =, spaces, commas and quotes exactly; split on the first =', () => {
  const protocol = new ManagementProtocol();
  const text = connectText({ cid: 0, kid: 7, username: ' bob ', password: 'p@ss=w, "x" y ', commonName: 'alice, inc=x', daemonStartTime: 5 });
  const [out] = run(protocol, text);
  assert.ok(out?.kind === 'event' && out.event.type === 'client' && out.event.kind === 'CONNECT');
  assert.equal(out.event.kid, 7);
  assert.equal(out.event.env.get('password'), 'p@ss=w, "x" y ');
  assert.equal(out.event.env.get('username'), ' bob ');
  assert.equal(out.event.env.get('common_name'), 'alice, inc=x');
});

test('empty DISCONNECT ENV block is an event with an empty env', () => {
  const protocol = new ManagementProtocol();
  const out = run(protocol, '>CLIENT:DISCONNECT,4\r\n>CLIENT:ENV,END\r\n');
  assert.ok(out[0]?.kind === 'event' && out[0].event.type === 'client');
  assert.equal(out[0].event.kind, 'DISCONNECT');
  assert.equal(out[0].event.env.size, 0);
});

test('real-time messages are classified; unknown sources kept as generic', () => {
  const protocol = new ManagementProtocol();
  const out = run(
    protocol,
    [
      ">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info",
      '>HOLD:Waiting for hold release:0',
      '>STATE:1795626397,CONNECTED,SUCCESS,10.99.0.1,,,127.0.0.1,21194',
      '>LOG:1795626397,I,hello',
      '>BYTECOUNT_CLI:3,100,200',
      ">PASSWORD:Need 'Auth' username/password",
      '>FATAL:boom',
      '>NEW_THING:a,b',
      '>CLIENT:CR_RESPONSE,1,2,YWJj',
      '>CLIENT:ENV,END',
    ].join('\r\n') + '\r\n',
  );
  const types = out.map((o) => (o.kind === 'event' ? o.event.type : o.kind));
  assert.deepEqual(types, ['info', 'hold', 'state', 'log', 'bytecount-cli', 'password', 'fatal', 'other', 'client']);
  const state = out[2];
  assert.ok(state?.kind === 'event' && state.event.type === 'state');
  assert.equal(state.event.time, 1795626397);
  assert.equal(state.event.name, 'CONNECTED');
  const cr = out[8];
  assert.ok(cr?.kind === 'event' && cr.event.type === 'client' && cr.event.kind === 'CR_RESPONSE');
  assert.equal(cr.event.response, 'YWJj');
});

test('ENV blocks are bounded', () => {
  const protocol = new ManagementProtocol({ maxEnvEntries: 3 });
  let text = '>CLIENT:ESTABLISHED,1\r\n';
  for (let i = 0; i < 10; i++) text += `>CLIENT:ENV,k${i}=v\r\n`;
  const out = run(protocol, `${text}>CLIENT:ENV,END\r\n`);
  assert.ok(out[0]?.kind === 'event' && out[0].event.type === 'client');
  assert.equal(out[0].event.env.size, 3);
  assert.equal(out[0].event.envTruncated, true);
});

test('an unterminated ENV block is flushed (flagged) when another event starts', () => {
  const protocol = new ManagementProtocol();
  const out = run(protocol, '>CLIENT:ESTABLISHED,1\r\n>CLIENT:ENV,a=b\r\n>CLIENT:DISCONNECT,2\r\n>CLIENT:ENV,END\r\n');
  assert.deepEqual(
    out.map((o) => (o.kind === 'event' && o.event.type === 'client' ? `${o.event.kind}:${o.event.cid}` : o.kind)),
    ['anomaly', 'ESTABLISHED:1', 'DISCONNECT:2'],
  );
});

test('reset returns the outstanding ids so the shell can reject them', () => {
  const protocol = new ManagementProtocol();
  const a = protocol.expect('block');
  const b = protocol.expect('line');
  run(protocol, 'TITLE\tpartial\r\n');
  assert.ok(protocol.bufferedBytes > 0);
  assert.deepEqual(protocol.reset(), [a, b]);
  assert.equal(protocol.outstanding, 0);
  assert.equal(protocol.bufferedBytes, 0);
});
