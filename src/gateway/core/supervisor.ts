/**
 * Supervisor decisions for one `openvpn` process, as a pure state machine: inputs (desired state,
 * process lifecycle, management attach, clock ticks) in, actions for the IO shell out. The shell
 * spawns/signals/attaches and feeds back what happened; it decides nothing.
 *
 * Restart policy: a process that exits while it should run is restarted after an exponential
 * back-off (1 s, 2 s, 4 s … capped), reset once a run has stayed healthy for `stableAfterMs`.
 * Stopping sends SIGTERM and, if the process has not exited by the deadline, SIGKILL.
 */

export type SupervisorAction =
  | { type: 'spawn' }
  | { type: 'attach'; pid: number }
  | { type: 'signal'; pid: number; signal: 'SIGTERM' | 'SIGKILL' };

export type SupervisorInput =
  /** The operator wants it running (start) or not (stop). */
  | { type: 'start' }
  | { type: 'stop' }
  /** A process is known: freshly spawned, or found alive by pid after an agent restart. */
  | { type: 'spawned'; pid: number }
  | { type: 'adopted'; pid: number }
  | { type: 'spawn-failed'; error: string }
  /** The management socket is attached (the process is serving) / lost. */
  | { type: 'attached' }
  | { type: 'detached' }
  | { type: 'exited'; pid: number; code: number | null; signal: string | null }
  | { type: 'tick' };

export type Phase = 'stopped' | 'starting' | 'running' | 'backoff' | 'stopping';

export interface SupervisorState {
  phase: Phase;
  wanted: boolean;
  pid: number | undefined;
  attached: boolean;
  /** Consecutive failed runs (exit before becoming stable); drives the back-off. */
  failures: number;
  /** When the current phase's deadline passes (back-off end, SIGKILL time, attach give-up). */
  deadline: number | undefined;
  /** When the current run became healthy. */
  healthySince: number | undefined;
  killSent: boolean;
  lastExit: { code: number | null; signal: string | null; at: number } | undefined;
}

export interface SupervisorPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A run healthy this long resets the failure count. */
  stableAfterMs: number;
  /** SIGTERM → SIGKILL. */
  stopTimeoutMs: number;
  /** A started process that has not attached by then is killed and restarted. */
  attachTimeoutMs: number;
}

export const defaultPolicy: SupervisorPolicy = {
  initialBackoffMs: 1000,
  maxBackoffMs: 60_000,
  stableAfterMs: 60_000,
  stopTimeoutMs: 10_000,
  attachTimeoutMs: 30_000,
};

export const initialSupervisorState: SupervisorState = {
  phase: 'stopped',
  wanted: false,
  pid: undefined,
  attached: false,
  failures: 0,
  deadline: undefined,
  healthySince: undefined,
  killSent: false,
  lastExit: undefined,
};

export function backoffDelay(failures: number, policy: SupervisorPolicy): number {
  const exponent = Math.max(0, failures - 1);
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.min(exponent, 30));
}

export interface Step {
  state: SupervisorState;
  actions: SupervisorAction[];
}

export function supervise(state: SupervisorState, input: SupervisorInput, now: number, policy: SupervisorPolicy = defaultPolicy): Step {
  const s: SupervisorState = { ...state };
  const actions: SupervisorAction[] = [];
  switch (input.type) {
    case 'start':
      s.wanted = true;
      if (s.phase === 'stopped') {
        s.phase = 'starting';
        s.deadline = now + policy.attachTimeoutMs;
        actions.push({ type: 'spawn' });
      }
      break;
    case 'stop':
      s.wanted = false;
      if (s.phase === 'backoff') {
        s.phase = 'stopped';
        s.deadline = undefined;
      } else if ((s.phase === 'starting' || s.phase === 'running') && s.pid !== undefined) {
        s.phase = 'stopping';
        s.deadline = now + policy.stopTimeoutMs;
        s.killSent = false;
        actions.push({ type: 'signal', pid: s.pid, signal: 'SIGTERM' });
      }
      break;
    case 'spawned':
    case 'adopted':
      s.pid = input.pid;
      s.attached = false;
      s.killSent = false;
      if (input.type === 'adopted') s.wanted = true;
      if (s.wanted) {
        s.phase = 'starting';
        s.deadline = now + policy.attachTimeoutMs;
        actions.push({ type: 'attach', pid: input.pid });
      } else {
        s.phase = 'stopping';
        s.deadline = now + policy.stopTimeoutMs;
        actions.push({ type: 'signal', pid: input.pid, signal: 'SIGTERM' });
      }
      break;
    case 'spawn-failed':
      s.pid = undefined;
      return fail(s, now, policy, actions);
    case 'attached':
      if (s.phase === 'starting' || s.phase === 'running') {
        s.phase = 'running';
        s.attached = true;
        s.deadline = undefined;
        s.healthySince = now;
      }
      break;
    case 'detached':
      s.attached = false;
      s.healthySince = undefined;
      if (s.phase === 'running' && s.pid !== undefined) {
        // The process may still serve users: re-attach rather than restart it.
        s.phase = 'starting';
        s.deadline = now + policy.attachTimeoutMs;
        actions.push({ type: 'attach', pid: s.pid });
      }
      break;
    case 'exited': {
      if (input.pid !== s.pid) break; // an old process we already gave up on
      s.pid = undefined;
      s.attached = false;
      s.lastExit = { code: input.code, signal: input.signal, at: now };
      if (s.phase === 'stopping' || !s.wanted) {
        s.phase = 'stopped';
        s.deadline = undefined;
        s.healthySince = undefined;
        break;
      }
      const stable = s.healthySince !== undefined && now - s.healthySince >= policy.stableAfterMs;
      if (stable) s.failures = 0;
      s.healthySince = undefined;
      return fail(s, now, policy, actions);
    }
    case 'tick':
      return onTick(s, now, policy, actions);
  }
  return { state: s, actions };
}

function fail(s: SupervisorState, now: number, policy: SupervisorPolicy, actions: SupervisorAction[]): Step {
  s.failures += 1;
  if (!s.wanted) {
    s.phase = 'stopped';
    s.deadline = undefined;
    return { state: s, actions };
  }
  s.phase = 'backoff';
  s.deadline = now + backoffDelay(s.failures, policy);
  return { state: s, actions };
}

function onTick(s: SupervisorState, now: number, policy: SupervisorPolicy, actions: SupervisorAction[]): Step {
  if (s.phase === 'running' && s.healthySince !== undefined && now - s.healthySince >= policy.stableAfterMs) s.failures = 0;
  if (s.deadline === undefined || now < s.deadline) return { state: s, actions };
  switch (s.phase) {
    case 'backoff':
      s.phase = 'starting';
      s.deadline = now + policy.attachTimeoutMs;
      actions.push({ type: 'spawn' });
      break;
    case 'starting':
      // Never attached: treat as hung, stop it; its exit then schedules the restart.
      if (s.pid !== undefined && !s.killSent) {
        s.killSent = true;
        s.deadline = now + policy.stopTimeoutMs;
        actions.push({ type: 'signal', pid: s.pid, signal: 'SIGKILL' });
      }
      break;
    case 'stopping':
      if (s.pid !== undefined && !s.killSent) {
        s.killSent = true;
        actions.push({ type: 'signal', pid: s.pid, signal: 'SIGKILL' });
      }
      s.deadline = undefined;
      break;
    default:
      break;
  }
  return { state: s, actions };
}
