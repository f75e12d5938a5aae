import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KillLedger } from './kill-ledger.ts';

test('a kill goes out once per session, only to the process whose session it names', () => {
  const ledger = new KillLedger();
  const orders = [
    { sessionKey: '1700:4', reason: 'bye', cause: 'operator_disconnect' as const },
    { sessionKey: '1600:4', reason: 'old process' },
    { sessionKey: 'garbage', reason: 'malformed' },
  ];
  assert.deepEqual(ledger.due(orders, 1700).map(({ kill, key }) => [kill.sessionKey, key.cid]), [['1700:4', 4]]);
  assert.deepEqual(ledger.due(orders, 1700), [], 'a second notice or pending-intent read sends nothing again');
  assert.equal(ledger.has('1700:4'), true);
  assert.equal(ledger.causeOf('1700:4'), 'operator_disconnect');
  ledger.ended('1700:4');
  assert.equal(ledger.has('1700:4'), false);
  ledger.due([{ sessionKey: '1700:5', reason: 'bye' }], 1700);
  ledger.processGone();
  assert.equal(ledger.has('1700:5'), false, 'a new process starts with nothing sent');
  assert.deepEqual(ledger.due([{ sessionKey: '1700:5', reason: 'bye' }], undefined), [], 'no process, no kill');
});
