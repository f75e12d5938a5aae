export interface GroupCommitOptions {
  /** A batch is written once it holds this many requests… */
  maxBatch: number;
  /**
   * …or this long after its first request arrived, whichever comes first. 0: as soon as the
   * requests that arrived in the same turn of the event loop are in.
   */
  maxDelayMs: number;
}

interface Waiting<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit for requests that one write can serve together: they queue up and are written in
 * batches, at most one in flight, in arrival order. Each request's promise settles only after its
 * batch was written, with its own result. A batch that fails is retried request by request, so a
 * bad one fails alone.
 */
export class GroupCommit<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private cancelTimer: (() => void) | undefined;
  private writing: Promise<void> | undefined;
  /** Batches written so far (for tests and benchmarks). */
  batches = 0;

  constructor(
    /** Writes a batch; returns one result per item, in order. */
    private readonly writeBatch: (items: readonly I[]) => Promise<O[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.writing) return; // written right after the batch in flight
      if (this.waiting.length >= this.options.maxBatch) this.flush();
      else this.cancelTimer ??= this.schedule();
    });
  }

  private schedule(): () => void {
    if (this.options.maxDelayMs === 0) {
      const immediate = setImmediate(() => this.flush());
      return () => clearImmediate(immediate);
    }
    const timer = setTimeout(() => this.flush(), this.options.maxDelayMs);
    return () => clearTimeout(timer);
  }

  private flush(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.writing || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0, this.options.maxBatch);
    this.writing = this.write(batch).finally(() => {
      this.writing = undefined;
      // Whatever arrived meanwhile has waited long enough.
      this.flush();
    });
  }

  private async write(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const results = await this.writeBatch(batch.map((w) => w.item));
      this.batches += 1;
      batch.forEach((w, i) => w.resolve(results[i] as O));
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
    }
    for (const waiting of batch) {
      try {
        const [result] = await this.writeBatch([waiting.item]);
        this.batches += 1;
        waiting.resolve(result as O);
      } catch (error) {
        waiting.reject(error);
      }
    }
  }
}
