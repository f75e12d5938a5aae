import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeReason, encodeFrame, FrameError, parseControlFrame, parseFrame, parseGatewayFrame, type Frame } from './wire.ts';

function problemOf(text: string, parse: (text: string) => unknown = parseFrame): string {
  try {
    parse(text);
  } catch (error) {
    assert.ok(error instanceof FrameError, `expected a FrameError, got ${String(error)}`);
    assert.equal(error.code, 'bad_frame');
    return error.problem;
  }
  assert.fail(`parsed: ${text}`);
}

test('every frame survives encode then parse', () => {
  const frames: Frame[] = [
    { type: 'hello', version: '0.1.0', instance: 'run-1' },
    { type: 'request', id: 7, body: { type: 'get_server', serverId: 's1' } },
    { type: 'request', id: 8, body: { type: 'list_servers' } },
    {
      type: 'request',
      id: 9,
      body: { type: 'authorize', serverId: 's1', sessionKey: '1:2', username: 'u', password: undefined, commonName: undefined, reauth: false, certSerial: undefined },
    },
    { type: 'welcome', gatewayId: 'g1', name: 'edge-1' },
    { type: 'reply', id: 7, body: { server: null } },
    { type: 'reply', id: 8, error: { code: 'not_found', message: 'no such server' } },
    { type: 'notice', body: { type: 'kill_requested', serverId: 's1', kills: [{ sessionKey: '1:2', reason: 'bye' }] } },
    { type: 'notice', body: { type: 'server_changed', serverId: 's1' } },
  ];
  for (const frame of frames) assert.deepEqual(parseFrame(encodeFrame(frame)), JSON.parse(encodeFrame(frame)));
});

test('bad JSON and non-objects are named', () => {
  assert.equal(problemOf('{"type":'), 'bad JSON');
  assert.equal(problemOf('[1,2]'), 'not a JSON object');
  assert.equal(problemOf('"hello"'), 'not a JSON object');
  assert.equal(problemOf('null'), 'not a JSON object');
});

test('an unknown or missing frame type is named', () => {
  assert.equal(problemOf('{"id":1}'), 'missing field frame.type');
  assert.equal(problemOf('{"type":"bye"}'), 'unknown frame type "bye"');
  assert.equal(problemOf('{"type":3}'), 'unknown frame type 3');
});

test('a missing or mistyped field is named', () => {
  assert.equal(problemOf('{"type":"hello","version":"1"}'), 'missing field frame.instance');
  assert.equal(problemOf('{"type":"hello","version":1,"instance":"x"}'), 'field frame.version must be a string');
  assert.equal(problemOf('{"type":"welcome","name":"n"}'), 'missing field frame.gatewayId');
  assert.equal(problemOf('{"type":"request","body":{"type":"list_servers"}}'), 'missing field frame.id');
  assert.equal(problemOf('{"type":"request","id":-1,"body":{"type":"list_servers"}}'), 'field frame.id must be a non-negative integer');
  assert.equal(problemOf('{"type":"request","id":1.5,"body":{"type":"list_servers"}}'), 'field frame.id must be a non-negative integer');
  assert.equal(problemOf('{"type":"request","id":1}'), 'missing field frame.body');
  assert.equal(problemOf('{"type":"request","id":1,"body":[]}'), 'field frame.body must be an object');
});

test('a request body is checked: known type, the fields it needs', () => {
  assert.equal(problemOf('{"type":"request","id":1,"body":{}}'), 'missing field body.type');
  assert.equal(problemOf('{"type":"request","id":1,"body":{"type":"drop_tables"}}'), 'unknown request type "drop_tables"');
  assert.equal(problemOf('{"type":"request","id":1,"body":{"type":"toString"}}'), 'unknown request type "toString"');
  assert.equal(problemOf('{"type":"request","id":1,"body":{"type":"get_server"}}'), 'missing field body.serverId');
  assert.equal(problemOf('{"type":"request","id":1,"body":{"type":"session_ended","serverId":"s"}}'), 'missing field body.session');
  assert.equal(problemOf('{"type":"request","id":1,"body":{"type":"authorize","serverId":"s","sessionKey":"k","reauth":"no"}}'), 'field body.reauth must be a boolean');
  assert.equal(problemOf('{"type":"request","id":1,"body":{"type":"metrics","snapshot":null}}'), 'field body.snapshot must be an object');
});

test('a reply carries a body or an error, not both, and an error names code and message', () => {
  assert.equal(problemOf('{"type":"reply","id":1}'), 'missing field frame.body (or frame.error)');
  assert.equal(problemOf('{"type":"reply","id":1,"body":{},"error":{"code":"x","message":"y"}}'), 'a reply has either body or error, not both');
  assert.equal(problemOf('{"type":"reply","id":1,"error":{"message":"y"}}'), 'missing field error.code');
  assert.equal(problemOf('{"type":"reply","id":1,"error":"boom"}'), 'field frame.error must be an object');
});

test('a notice body is checked', () => {
  assert.equal(problemOf('{"type":"notice","body":{"type":"reboot","serverId":"s"}}'), 'unknown notice type "reboot"');
  assert.equal(problemOf('{"type":"notice","body":{"type":"server_changed"}}'), 'missing field body.serverId');
  assert.equal(problemOf('{"type":"notice","body":{"type":"kill_requested","serverId":"s","kills":{}}}'), 'field body.kills must be an array');
});

test('each side takes only the frames the other sends', () => {
  assert.equal(parseGatewayFrame('{"type":"hello","version":"1","instance":"i"}').type, 'hello');
  assert.equal(problemOf('{"type":"welcome","gatewayId":"g","name":"n"}', parseGatewayFrame), 'a gateway does not send welcome frames');
  assert.equal(parseControlFrame('{"type":"welcome","gatewayId":"g","name":"n"}').type, 'welcome');
  assert.equal(problemOf('{"type":"request","id":1,"body":{"type":"list_servers"}}', parseControlFrame), 'the control plane does not send request frames');
});

test('a close reason fits the 123 bytes WebSocket allows, whole characters only', () => {
  assert.equal(closeReason('short'), 'short');
  const long = closeReason('é'.repeat(100));
  assert.ok(Buffer.byteLength(long) <= 123);
  assert.equal(long, 'é'.repeat(61));
});
