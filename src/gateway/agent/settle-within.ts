/**
 * Waits until every promise has settled or `ms` have passed, whichever comes first. Shutdown uses
 * it: work under way gets a bounded chance to finish, and a stuck piece never holds the exit.
 */
export async function settleWithin(work: Iterable<Promise<unknown> | undefined>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([Promise.allSettled(work), deadline]);
  clearTimeout(timer);
}
