import { consumePasscodes, type PasscodeSpend } from '../../store/identity.ts';
import type { DomainContext } from '../context.ts';
import { GroupCommit } from '../shared/group-commit.ts';

/**
 * Decisions waiting at once are few (OpenVPN asks one per connecting client): batches stay small.
 * A batch goes as soon as the decisions of one event-loop turn are in, since each waits on it; the
 * next gathers whatever arrives while it is written.
 */
const SPENDING = { maxBatch: 256, maxDelayMs: 0 };

const keyOf = (userId: string, hash: string): string => `${userId} ${hash}`;

/**
 * Spends the passcodes of concurrent VPN decisions together: one statement (and on PostgreSQL one
 * commit) per batch instead of one per decision. Each decision is answered once its batch is
 * written, so an allowed connection's passcode is spent for good before OpenVPN hears yes.
 */
export class PasscodeSpending {
  private readonly group: GroupCommit<PasscodeSpend, boolean>;

  constructor(ctx: DomainContext) {
    this.group = new GroupCommit((spends) => spendTogether(ctx, spends), SPENDING);
  }

  /** True when this attempt spent the passcode (it was the user's, unused and unexpired). */
  spend(spend: PasscodeSpend): Promise<boolean> {
    return this.group.submit(spend);
  }

  get batches(): number {
    return this.group.batches;
  }
}

/**
 * Two attempts on one passcode in one batch: only the first can win, as if they had come one after
 * the other, so only the first goes to the store. Across batches and replicas the store decides.
 */
async function spendTogether(ctx: DomainContext, spends: readonly PasscodeSpend[]): Promise<boolean[]> {
  const firstOf = new Map<string, PasscodeSpend>();
  for (const spend of spends) {
    const key = keyOf(spend.userId, spend.hash);
    if (!firstOf.has(key)) firstOf.set(key, spend);
  }
  const spent = new Set((await consumePasscodes(ctx.store.db, ctx.store.caps.name, [...firstOf.values()])).map((s) => keyOf(s.userId, s.hash)));
  return spends.map((spend) => {
    const key = keyOf(spend.userId, spend.hash);
    return firstOf.get(key) === spend && spent.has(key);
  });
}
