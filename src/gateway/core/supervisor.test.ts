import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, defaultPolicy, initialSupervisorState, supervise } from './supervisor.ts';
import type { SupervisorInput, SupervisorState, SupervisorAction } from './supervisor.ts';

function drive(inputs: Array<[SupervisorInput, number]>, state: SupervisorState = initialSupervisorState) {
  const actions: Array<[number, SupervisorAction]> = [];
  for (const [input, now] of inputs) {
    const step = supervise(state, input, now);
    state = step.state;
    for (const action of step.actions) actions.push([now, action]);
  }
  return { state, actions };
}

test('start → spawn → attach → healthy', () => {
  const { state, actions } = drive([
    [{ type: 'start' }, 0],
    [{ type: 'spawned', pid: 10 }, 5],
    [{ type: 'attached' }, 50],
  ]);
  assert.deepEqual(actions, [
    [0, { type: 'spawn' }],
    [5, { type: 'attach', pid: 10 }],
  ]);
  assert.equal(state.phase, 'running');
  assert.equal(state.attached, true);
});

test('crashes restart with exponential back-off, reset after a stable run', () => {
  assert.deepEqual([1, 2, 3, 4, 10].map((n) => backoffDelay(n, defaultPolicy)), [1000, 2000, 4000, 8000, 60000]);
  let { state } = drive([
    [{ type: 'start' }, 0],
    [{ type: 'spawned', pid: 10 }, 0],
    [{ type: 'exited', pid: 10, code: 1, signal: null }, 100],
  ]);
  assert.equal(state.phase, 'backoff');
  assert.equal(state.wanted, true);
  let step = supervise(state, { type: 'tick' }, 1099);
  assert.deepEqual(step.actions, []);
  step = supervise(step.state, { type: 'tick' }, 1100);
  assert.deepEqual(step.actions, [{ type: 'spawn' }]);
  ({ state } = drive(
    [
      [{ type: 'spawned', pid: 11 }, 1100],
      [{ type: 'exited', pid: 11, code: 1, signal: null }, 1200],
    ],
    step.state,
  ));
  assert.equal(state.deadline, 1200 + 2000);
  ({ state } = drive(
    [
      [{ type: 'tick' }, 3200],
      [{ type: 'spawned', pid: 12 }, 3200],
      [{ type: 'attached' }, 3300],
      [{ type: 'tick' }, 63_300],
      [{ type: 'exited', pid: 12, code: 0, signal: null }, 70_000],
    ],
    state,
  ));
  assert.equal(state.failures, 1);
  assert.equal(state.deadline, 71_000);
});

test('stop sends SIGTERM, then SIGKILL at the deadline; exit while stopping does not restart', () => {
  const { state, actions } = drive([
    [{ type: 'start' }, 0],
    [{ type: 'spawned', pid: 10 }, 0],
    [{ type: 'attached' }, 10],
    [{ type: 'stop' }, 100],
    [{ type: 'tick' }, 100 + defaultPolicy.stopTimeoutMs],
    [{ type: 'exited', pid: 10, code: null, signal: 'SIGKILL' }, 100 + defaultPolicy.stopTimeoutMs + 5],
    [{ type: 'tick' }, 1_000_000],
  ]);
  const kill = 100 + defaultPolicy.stopTimeoutMs;
  assert.deepEqual(actions, [
    [0, { type: 'spawn' }],
    [0, { type: 'attach', pid: 10 }],
    [100, { type: 'signal', pid: 10, signal: 'SIGTERM' }],
    [kill, { type: 'signal', pid: 10, signal: 'SIGKILL' }],
  ]);
  assert.equal(state.phase, 'stopped');
});

test('an adopted process (agent restarted) is attached, not respawned; detach re-attaches', () => {
  const { state, actions } = drive([
    [{ type: 'adopted', pid: 77 }, 0],
    [{ type: 'attached' }, 1],
    [{ type: 'detached' }, 2],
  ]);
  assert.deepEqual(actions.map(([, a]) => a), [
    { type: 'attach', pid: 77 },
    { type: 'attach', pid: 77 },
  ]);
  assert.equal(state.phase, 'starting');
});

test('a process that never attaches is killed and restarted', () => {
  const { state, actions } = drive([
    [{ type: 'start' }, 0],
    [{ type: 'spawned', pid: 10 }, 0],
    [{ type: 'tick' }, defaultPolicy.attachTimeoutMs],
    [{ type: 'exited', pid: 10, code: null, signal: 'SIGKILL' }, defaultPolicy.attachTimeoutMs + 1],
  ]);
  assert.deepEqual(actions.map(([, a]) => a.type), ['spawn', 'attach', 'signal']);
  assert.equal(state.phase, 'backoff');
});

test('exit of a stale pid is ignored', () => {
  const { state } = drive([
    [{ type: 'start' }, 0],
    [{ type: 'spawned', pid: 10 }, 0],
    [{ type: 'exited', pid: 9, code: 0, signal: null }, 1],
  ]);
  assert.equal(state.pid, 10);
  assert.equal(state.phase, 'starting');
});
