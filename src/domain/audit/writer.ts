import type { Executor } from '../../store/database.ts';
import { insertAuditEvents } from '../../store/audit-events.ts';
import type { AuditEvent } from './model.ts';

const MAX_BATCH = 500;

/**
 * Group commit for the audit trail: events that arrive while a write is under way go into the
 * next write together, so many concurrent calls cost one insert instead of one each. A lone call
 * is written at once (no timer), and every caller still waits for its own event to be stored.
 */
export class AuditWriter {
  private queue: { event: AuditEvent; done: (error?: unknown) => void }[] = [];
  private writing: Promise<void> | undefined;

  constructor(private readonly db: () => Executor) {}

  write(event: AuditEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ event, done: (error) => (error === undefined ? resolve() : reject(error)) });
      this.writing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    // Let the calls of this tick join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await insertAuditEvents(this.db(), batch.map((b) => b.event));
        for (const b of batch) b.done();
      } catch {
        // One bad event must not cost the others theirs: write the batch one by one.
        for (const b of batch) await insertAuditEvents(this.db(), [b.event]).then(() => b.done(), (error: unknown) => b.done(error ?? new Error('audit write failed')));
      }
    }
    this.writing = undefined;
  }
}
