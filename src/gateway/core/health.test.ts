import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrashWindow, crashIsNews, healthReport, type HealthFacts } from './health.ts';
import { initialSupervisorState, type SupervisorState } from './supervisor.ts';

const T = 1_800_000_000_000;
const DEGRADED = 60_000;
const running: SupervisorState = { ...initialSupervisorState, phase: 'running', wanted: true, pid: 10, attached: true };
const facts = (supervisor: SupervisorState, more: Partial<HealthFacts> = {}): HealthFacts => ({
  supervisor,
  crashedAt: undefined,
  recoveredAt: undefined,
  spawnError: undefined,
  logPath: '/data/gateway/s1/openvpn.log',
  lastLogLine: '',
  reattaching: false,
  ...more,
});
const code = (report: ReturnType<typeof healthReport>): string => `${report?.lifecycle}/${report?.health}/${report?.reasons[0]?.code ?? ''}`;
const exit = { code: null, signal: 'SIGKILL', at: T };

test('first start: pending, then stable and ok; a failing start is failed with the cause', () => {
  assert.equal(code(healthReport(facts({ ...running, phase: 'starting', attached: false }), T, DEGRADED)), 'pending/inapplicable/');
  assert.equal(code(healthReport(facts(running), T, DEGRADED)), 'stable/ok/');
  const failed = healthReport(facts({ ...running, phase: 'backoff', attached: false, pid: undefined }, { spawnError: 'spawn openvpn ENOENT' }), T, DEGRADED);
  assert.equal(code(failed), 'failed/faulted/openvpn_failed_to_start');
  assert.match(failed?.reasons[0]?.message ?? '', /ENOENT.*see \/data\/gateway\/s1\/openvpn\.log/);
});

test('a crash is openvpn_restarting for as long as the process is down or starting again', () => {
  const crashed = { crashedAt: T };
  for (const phase of ['backoff', 'starting'] as const) {
    const report = healthReport(facts({ ...running, phase, attached: false, pid: phase === 'starting' ? 11 : undefined, lastExit: exit }, crashed), T + 1500, DEGRADED);
    assert.equal(code(report), 'stable/degraded/openvpn_restarting', phase);
    assert.match(report?.reasons[0]?.message ?? '', /exited on SIGKILL at .*; restarting/);
  }
});

test('back and serving: openvpn_restarted for the degraded window counted from recovery, then ok', () => {
  const after = { crashedAt: T, recoveredAt: T + 2500 };
  const serving = { ...running, pid: 11, lastExit: exit };
  assert.equal(code(healthReport(facts(serving, after), T + 2500, DEGRADED)), 'stable/degraded/openvpn_restarted');
  assert.equal(code(healthReport(facts(serving, after), T + 2500 + DEGRADED - 1, DEGRADED)), 'stable/degraded/openvpn_restarted');
  assert.equal(code(healthReport(facts(serving, after), T + 2500 + DEGRADED, DEGRADED)), 'stable/ok/');
  assert.equal(crashIsNews(after, T + 2500 + DEGRADED, DEGRADED), false);
  assert.equal(crashIsNews({ crashedAt: T, recoveredAt: undefined }, T + 10 * DEGRADED, DEGRADED), true);
});

test('a replacement that does not serve within the window is failed; a later planned restart is not', () => {
  const down = facts({ ...running, phase: 'starting', attached: false, pid: 12, lastExit: exit }, { crashedAt: T });
  assert.equal(code(healthReport(down, T + DEGRADED, DEGRADED)), 'failed/faulted/openvpn_failed_to_start');
  // Long after a crash that recovered, a restart for a new configuration is an ordinary start.
  const planned = facts({ ...running, phase: 'starting', attached: false, pid: 13 }, { crashedAt: T, recoveredAt: T + 1000 });
  assert.equal(code(healthReport(planned, T + 1000 + DEGRADED, DEGRADED)), 'pending/inapplicable/');
  // Stopping on purpose is not a restart.
  assert.equal(code(healthReport(facts({ ...running, phase: 'stopping', wanted: false, attached: false }, { crashedAt: T }), T + 1, DEGRADED)), 'pending/inapplicable/');
});

test('re-attaching to a process that still serves tells nothing new', () => {
  assert.equal(healthReport(facts({ ...running, phase: 'starting', attached: false }, { reattaching: true }), T, DEGRADED), undefined);
});

test('the crash window: news from the crash until the replacement has served degradedForMs, then forgotten', () => {
  const window = new CrashWindow();
  assert.equal(window.active, false);
  window.serving(1_000);
  assert.deepEqual(window.facts, { crashedAt: undefined, recoveredAt: undefined }, 'serving without a crash is no news');
  window.crashed(10_000);
  window.expire(50_000, 60_000);
  assert.equal(window.active, true, 'still down: news');
  window.serving(20_000);
  window.serving(25_000);
  assert.deepEqual(window.facts, { crashedAt: 10_000, recoveredAt: 20_000 }, 'the first serving after the crash counts');
  window.expire(79_999, 60_000);
  assert.equal(window.active, true);
  window.expire(80_000, 60_000);
  assert.equal(window.active, false);
  window.crashed(90_000);
  assert.deepEqual(window.facts, { crashedAt: 90_000, recoveredAt: undefined }, 'a new crash starts over');
});
