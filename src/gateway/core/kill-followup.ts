/**
 * The follow-up to a `client-kill CID HALT,…`: OpenVPN keeps a killed instance for its hard-coded
 * 5 s exit interval and reports `>CLIENT:DISCONNECT` only then. `kill IP:port` ends it at once, and
 * the HALT already queued still reaches the client (OpenVPN 2.6.14) — provided the HALT got through
 * before the instance is gone: on a lossy path the control channel needs time to retransmit. So the
 * follow-up waits a grace period after the HALT was accepted.
 *
 * `kill IP:port` ends whatever instance has that real address, so right before sending it checks
 * that the address still belongs to the same session (same epoch, same CID, the CID still tracked
 * and the last one seen from that address); otherwise it sends nothing and OpenVPN's own exit
 * interval ends the session. Pure: the caller passes the time and owns the timer.
 */
import { killableAddress, killRealAddress, type EncodedCommand } from './commands.ts';
import { sessionKeyText, type SessionKey } from './sessions.ts';

/** What the session tracker knows about addresses (SessionTracker satisfies it). */
export interface AddressBook {
  readonly processStart: number | undefined;
  realAddressOf(cid: number): string | undefined;
  holderOf(address: string): number | undefined;
}

interface Pending {
  key: SessionKey;
  address: string;
  dueAt: number;
}

export interface FollowUp {
  key: SessionKey;
  address: string;
  command: EncodedCommand;
}

/**
 * Whether the shell's one alarm, armed for `armedAt` (or not armed), must be set again for a
 * follow-up due at `dueAt`: only an earlier one needs it; a later one is found when the alarm fires.
 */
export const alarmNeeded = (armedAt: number | undefined, dueAt: number): boolean => armedAt === undefined || dueAt < armedAt;

export class KillFollowUps {
  private readonly pending = new Map<string, Pending>();

  /** `graceMs`: from the HALT being accepted to the `kill IP:port`. */
  constructor(readonly graceMs: number) {}

  get size(): number {
    return this.pending.size;
  }

  /**
   * A `client-kill … HALT` for this session was accepted at `now`. Returns when its follow-up is due,
   * or undefined when it gets none (address unknown or not IPv4, session not of the current epoch).
   */
  halted(key: SessionKey, book: AddressBook, now: number): number | undefined {
    const address = book.realAddressOf(key.cid);
    if (address === undefined || !killableAddress(address) || book.processStart !== key.processStart) return undefined;
    const id = sessionKeyText(key);
    const existing = this.pending.get(id);
    if (existing !== undefined) return existing.dueAt;
    const dueAt = now + this.graceMs;
    this.pending.set(id, { key, address, dueAt });
    return dueAt;
  }

  /** The earliest time a follow-up is due, if any is pending. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const p of this.pending.values()) if (next === undefined || p.dueAt < next) next = p.dueAt;
    return next;
  }

  /**
   * Follow-ups due at `now`, each removed from the pending set. Only sessions that still hold their
   * address get a command; the others (ended meanwhile, replaced at that address, another epoch)
   * are dropped.
   */
  due(now: number, book: AddressBook): FollowUp[] {
    const out: FollowUp[] = [];
    for (const [id, p] of this.pending) {
      if (p.dueAt > now) continue;
      this.pending.delete(id);
      const same = book.processStart === p.key.processStart && book.realAddressOf(p.key.cid) === p.address && book.holderOf(p.address) === p.key.cid;
      if (same) out.push({ key: p.key, address: p.address, command: killRealAddress(p.address) });
    }
    return out;
  }

  /** The process or connection is gone: nothing pending applies any more. */
  clear(): void {
    this.pending.clear();
  }
}
