import { test } from 'node:test';
import assert from 'node:assert/strict';
import { askStatusAgain, attachStep, STATUS_ATTEMPTS } from './attach.ts';
import { ReportGate } from './report-gate.ts';

const facts = { now: 1_000, deadline: 5_000, processExited: false, detached: false, socketExists: false };

test('attach: wait for the socket, connect when it is there, give up at the deadline, on exit or when detached', () => {
  assert.equal(attachStep(facts), 'wait');
  assert.equal(attachStep({ ...facts, socketExists: true }), 'connect');
  assert.equal(attachStep({ ...facts, socketExists: true, now: 5_000 }), 'give_up');
  assert.equal(attachStep({ ...facts, socketExists: true, processExited: true }), 'give_up');
  assert.equal(attachStep({ ...facts, socketExists: true, detached: true }), 'give_up', 'a socket opened after the agent let go would belong to nobody');
  assert.equal(askStatusAgain(0, true), true);
  assert.equal(askStatusAgain(STATUS_ATTEMPTS, true), false);
  assert.equal(askStatusAgain(0, false), false, 'a closed connection will not answer');
});

test('reports: only what is new goes out; after a reset the next one goes whatever it says', () => {
  const gate = new ReportGate();
  const ok = { lifecycle: 'stable', health: 'ok', reasons: [] };
  assert.equal(gate.changed(ok), true);
  assert.equal(gate.changed({ ...ok }), false);
  assert.equal(gate.changed({ ...ok, health: 'degraded' }), true);
  gate.reset();
  assert.equal(gate.changed({ ...ok, health: 'degraded' }), true);
});
