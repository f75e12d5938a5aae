/**
 * What the control plane is told about one VPN server's OpenVPN: lifecycle and health with reasons,
 * from the supervisor's state and what happened to the process. Pure; the shell re-evaluates it on
 * every state change and tick and reports it when it differs from the last report.
 *
 * - First start: `pending` until attached, `failed` (openvpn_failed_to_start) while it keeps failing.
 * - A process that had served and died (a crash, or a kill from outside): `stable` + `degraded`
 *   with `openvpn_restarting` for as long as it is down or starting again, then
 *   `openvpn_restarted` for `degradedForMs` after the replacement is serving. A replacement that
 *   is not serving `degradedForMs` after the crash is `failed`, like a first start.
 * - Re-attaching to a process that still serves (the socket was lost): no news. If the process is
 *   in fact gone its exit follows within moments; if it hangs, the supervisor kills it (a crash).
 */
import type { SupervisorState } from './supervisor.ts';

export interface HealthReport {
  lifecycle: 'pending' | 'stable' | 'updating' | 'failed';
  health: 'ok' | 'degraded' | 'faulted' | 'inapplicable';
  reasons: { code: string; message: string }[];
}

export interface HealthFacts {
  supervisor: SupervisorState;
  /** When a process that had been serving died (unix ms); undefined if none did. */
  crashedAt: number | undefined;
  /** When a replacement was serving after that crash. */
  recoveredAt: number | undefined;
  /** Why the last spawn failed, if it did. */
  spawnError: string | undefined;
  logPath: string;
  /** The last line OpenVPN wrote, for the failure message. */
  lastLogLine: string;
  /** The management socket of a process that was serving was lost and is being re-attached. */
  reattaching: boolean;
}

function exitText(supervisor: SupervisorState): string {
  const exit = supervisor.lastExit;
  if (exit === undefined) return '';
  const code = exit.code !== null ? ` with code ${exit.code}` : '';
  const signal = exit.signal ? ` on ${exit.signal}` : '';
  return `openvpn exited${code}${signal} at ${new Date(exit.at).toISOString()}`;
}

/** A crash is news until its replacement has served for `degradedForMs`. */
export function crashIsNews(facts: Pick<HealthFacts, 'crashedAt' | 'recoveredAt'>, now: number, degradedForMs: number): boolean {
  return facts.crashedAt !== undefined && (facts.recoveredAt === undefined || now - facts.recoveredAt < degradedForMs);
}

/** The report to send, or undefined when nothing worth telling changed. */
export function healthReport(facts: HealthFacts, now: number, degradedForMs: number): HealthReport | undefined {
  const s = facts.supervisor;
  if (facts.reattaching && s.phase === 'starting') return undefined;
  const serving = s.phase === 'running' && s.attached;
  const exit = exitText(s);
  const failed = (): HealthReport => {
    const cause = exit || `openvpn did not start${facts.spawnError ? ` (${facts.spawnError})` : ''}`;
    const tail = facts.lastLogLine ? `: ${facts.lastLogLine}` : '';
    return { lifecycle: 'failed', health: 'faulted', reasons: [{ code: 'openvpn_failed_to_start', message: `${cause}; see ${facts.logPath}${tail}` }] };
  };
  if (crashIsNews(facts, now, degradedForMs) && facts.crashedAt !== undefined) {
    if (serving) return { lifecycle: 'stable', health: 'degraded', reasons: [{ code: 'openvpn_restarted', message: `${exit}; restarted and sessions reconciled` }] };
    if (s.wanted && s.phase !== 'stopping' && s.phase !== 'stopped') {
      if (now - facts.crashedAt < degradedForMs) return { lifecycle: 'stable', health: 'degraded', reasons: [{ code: 'openvpn_restarting', message: `${exit || 'openvpn is gone'}; restarting` }] };
      return failed();
    }
  }
  if (serving) return { lifecycle: 'stable', health: 'ok', reasons: [] };
  if (s.phase === 'backoff') return failed();
  return { lifecycle: 'pending', health: 'inapplicable', reasons: [] };
}

/**
 * The degraded window's bookkeeping: when a serving process died, when its replacement served, and
 * when that stops being news. Pure; the shell tells it what happened and when, and asks on ticks.
 */
export class CrashWindow {
  private crashedAt: number | undefined;
  private recoveredAt: number | undefined;

  /** A process that had been serving died. */
  crashed(now: number): void {
    this.crashedAt = now;
    this.recoveredAt = undefined;
  }

  /** A process is serving (again); the first time after a crash starts the `openvpn_restarted` window. */
  serving(now: number): void {
    if (this.crashedAt !== undefined && this.recoveredAt === undefined) this.recoveredAt = now;
  }

  /** A crash is on record (news, or not yet found to be old). */
  get active(): boolean {
    return this.crashedAt !== undefined;
  }

  /** Forgets the crash once it is no longer news. */
  expire(now: number, degradedForMs: number): void {
    if (!crashIsNews(this.facts, now, degradedForMs)) this.crashedAt = this.recoveredAt = undefined;
  }

  get facts(): Pick<HealthFacts, 'crashedAt' | 'recoveredAt'> {
    return { crashedAt: this.crashedAt, recoveredAt: this.recoveredAt };
  }
}
