import { systemScheduler, type Scheduler } from './clock.ts';

/**
 * Waits until every promise has settled or `ms` have passed, whichever comes first. Shutdown uses
 * it: work under way gets a bounded chance to finish, and a stuck piece never holds the exit.
 */
export async function settleWithin(work: Iterable<Promise<unknown> | undefined>, ms: number, scheduler: Scheduler = systemScheduler): Promise<void> {
  let cancel: (() => void) | undefined;
  // Kept alive: shutdown is waiting on it, and nothing else may hold the process meanwhile.
  const deadline = new Promise<void>((resolve) => (cancel = scheduler.after(ms, resolve, true)));
  await Promise.race([Promise.allSettled(work), deadline]);
  cancel?.();
}
