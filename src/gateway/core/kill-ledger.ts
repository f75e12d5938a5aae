import { parseSessionKey, type SessionKey } from './sessions.ts';
import type { KillCause } from '../metrics.ts';

/** What the ledger needs of a kill order: whose session, and why (for the metrics). */
export interface LedgerKill {
  sessionKey: string;
  cause?: KillCause | undefined;
}

/**
 * The kills sent to the OpenVPN process now running, with why each was asked for. Pure: the shell
 * asks which orders are due, tells it what ended, and clears it when the process is gone. A kill
 * is sent once per session however many notices and pending-intent reads name it, and only to
 * the process whose session it names.
 */
export class KillLedger {
  private readonly sent = new Map<string, KillCause | undefined>();

  /** The orders to send now (this process's sessions not killed yet), marked as sent, each with its key read. */
  due<K extends LedgerKill>(kills: readonly K[], processStart: number | undefined): { kill: K; key: SessionKey }[] {
    const due = kills
      .map((kill) => ({ kill, key: parseSessionKey(kill.sessionKey) }))
      .filter(({ kill, key }) => key.processStart === processStart && key.cid >= 0 && !this.sent.has(kill.sessionKey));
    for (const { kill } of due) this.sent.set(kill.sessionKey, kill.cause);
    return due;
  }

  /** Whether a kill went out for the session (so it must not be let through the data plane). */
  has(sessionKey: string): boolean {
    return this.sent.has(sessionKey);
  }

  /** Why the session was killed, if it was. */
  causeOf(sessionKey: string): KillCause | undefined {
    return this.sent.get(sessionKey);
  }

  /** The session ended: nothing more to remember of it. */
  ended(sessionKey: string): void {
    this.sent.delete(sessionKey);
  }

  /** The process is gone, and every kill sent to it with it. */
  processGone(): void {
    this.sent.clear();
  }
}
