import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessFromForm, accessLabel, parseList, trafficLabel } from './route-access.ts';

test('lists are comma-separated, trimmed, without blanks or repeats', () => {
  assert.deepEqual(parseList(' alice, bob,,alice ,'), ['alice', 'bob']);
  assert.deepEqual(parseList(''), []);
});

test('both fields empty means everyone; otherwise only what was given is sent', () => {
  assert.equal(accessFromForm('', ' , '), undefined);
  assert.deepEqual(accessFromForm('alice', ''), { users: ['alice'] });
  assert.deepEqual(accessFromForm('', 'laptop-1, laptop-2'), { common_names: ['laptop-1', 'laptop-2'] });
});

test('labels: everyone, who is listed, what was counted', () => {
  assert.equal(accessLabel(undefined), 'Everyone');
  assert.equal(accessLabel({ users: ['alice'], common_names: ['ci'] }), 'Users: alice · Common names: ci');
  assert.equal(trafficLabel({}), '—');
  assert.equal(trafficLabel({ packets: 1200, bytes: 1536, denied_packets: 0 }), '1,200 packets · 1.5 KiB');
  assert.equal(trafficLabel({ packets: 3, bytes: 180, denied_packets: 2 }), '3 packets · 180 B · 2 refused');
});
