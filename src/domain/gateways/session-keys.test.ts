import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noticeFor, ownKills, ownStoredSessions, scopeRequest } from './session-keys.ts';

const stored = (sessionKey: string) => ({ sessionKey, startedAt: 1, remoteIp: '198.18.0.9', remotePort: 4000, bytesSent: 0, bytesReceived: 0 });

test('a gateway’s session keys are scoped on the way in and its own on the way out', () => {
  const established = scopeRequest('gw-a', { type: 'session_established', serverId: 's', session: { sessionKey: '1700000000:4', clientIp: '100.64.0.2', remoteIp: '198.18.0.9', remotePort: 4000, commonName: 'alice', username: null, startedAt: 1 } });
  assert.equal(established.type === 'session_established' && established.session.sessionKey, 'gw-a/1700000000:4');
  const attempts = scopeRequest('gw-a', { type: 'attempts_ended', serverId: 's', sessionKeys: ['1:1', '1:2'] });
  assert.deepEqual(attempts.type === 'attempts_ended' && attempts.sessionKeys, ['gw-a/1:1', 'gw-a/1:2']);
  assert.deepEqual(scopeRequest('gw-a', { type: 'list_servers' }), { type: 'list_servers' });

  // Both gateways started OpenVPN in the same second: each sees only its own session 4.
  const sessions = [stored('gw-a/1700000000:4'), stored('gw-b/1700000000:4'), stored('1700000000:4')];
  assert.deepEqual(ownStoredSessions('gw-a', sessions).map((s) => s.sessionKey), ['1700000000:4']);
  assert.deepEqual(ownKills('gw-b', [{ sessionKey: 'gw-a/1:4', reason: 'r' }, { sessionKey: 'gw-b/1:4', reason: 'r' }]), [{ sessionKey: '1:4', reason: 'r' }]);
});

test('a kill notice reaches only the gateway holding the session; other notices reach all', () => {
  const notice = { type: 'kill_requested' as const, serverId: 's', kills: [{ sessionKey: 'gw-a/1:4', reason: 'r' }] };
  assert.deepEqual(noticeFor('gw-a', notice), { ...notice, kills: [{ sessionKey: '1:4', reason: 'r' }] });
  assert.equal(noticeFor('gw-b', notice), undefined);
  assert.deepEqual(noticeFor('gw-b', { type: 'kill_requested', serverId: 's' }), { type: 'kill_requested', serverId: 's' });
  assert.deepEqual(noticeFor('gw-b', { type: 'server_changed', serverId: 's' }), { type: 'server_changed', serverId: 's' });
});
