/**
 * When the agent reads `status` for byte counts and tunnel activity (metrics, idle detection).
 * Pure: the shell passes the time and when it last read, and does the reading.
 */
export const STATUS_POLL_MS = 30_000;
/** Never more often than this, however short the idle timeout. */
const MIN_POLL_MS = 1000;

export interface StatusPollSettings {
  /** The configured interval; STATUS_POLL_MS when absent. */
  pollMs: number | undefined;
  /** The server's idle timeout; 0 = none. */
  idleTimeoutSeconds: number;
}

/** How long between reads: often enough to see a session's traffic within its idle timeout, so idle exits are told apart. */
export function statusPollInterval({ pollMs, idleTimeoutSeconds }: StatusPollSettings): number {
  const idleMs = idleTimeoutSeconds * 1000;
  return Math.max(MIN_POLL_MS, Math.min(pollMs ?? STATUS_POLL_MS, idleMs > 0 ? idleMs / 2 : Number.POSITIVE_INFINITY));
}

/** Whether a read is due at `now`, the last one having been at `lastPoll`. */
export const statusPollDue = (now: number, lastPoll: number, settings: StatusPollSettings): boolean => now - lastPoll >= statusPollInterval(settings);
