import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STATUS_POLL_MS, statusPollDue, statusPollInterval } from './status-poll.ts';

test('status is read every 30 s by default, or as configured', () => {
  assert.equal(statusPollInterval({ pollMs: undefined, idleTimeoutSeconds: 0 }), STATUS_POLL_MS);
  assert.equal(statusPollInterval({ pollMs: 5000, idleTimeoutSeconds: 0 }), 5000);
});

test('an idle timeout makes it read at least twice within the timeout, never more than once a second', () => {
  assert.equal(statusPollInterval({ pollMs: undefined, idleTimeoutSeconds: 20 }), 10_000);
  assert.equal(statusPollInterval({ pollMs: 5000, idleTimeoutSeconds: 20 }), 5000);
  assert.equal(statusPollInterval({ pollMs: undefined, idleTimeoutSeconds: 1 }), 1000);
  assert.equal(statusPollInterval({ pollMs: 10, idleTimeoutSeconds: 0 }), 1000);
});

test('a read is due once the interval has passed since the last one', () => {
  const settings = { pollMs: 5000, idleTimeoutSeconds: 0 };
  assert.equal(statusPollDue(14_999, 10_000, settings), false);
  assert.equal(statusPollDue(15_000, 10_000, settings), true);
});
