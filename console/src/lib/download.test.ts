import { test } from 'node:test';
import assert from 'node:assert/strict';
import { profileFileName } from './download.ts';

test('profile file names are safe', () => {
  assert.equal(profileFileName('office'), 'office.ovpn');
  assert.equal(profileFileName('office', 'alice@example.com'), 'office-alice-example.com.ovpn');
  assert.equal(profileFileName('///'), 'sluice.ovpn');
});
