import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

/**
 * How often the worker checkpoints while the log grows, and once it stands still. With nothing new
 * in the log, a passive checkpoint only reads its index.
 */
const BUSY_MS = 20;
const IDLE_MS = 250;
/**
 * The main connection's own threshold (pages) while the worker runs. The worker only ever runs
 * passive checkpoints, which never take the write lock: a restarting one would, and could hold a
 * transaction of the main thread, which reads and then writes, until a busy timeout. So under
 * writes that never pause, which keep the log from starting over however much the worker copies,
 * the main connection still checkpoints at this size; the worker has copied most of it by then.
 */
const BACKSTOP_PAGES = 4000;
/** SQLite's default, restored if the worker stops. */
const DEFAULT_PAGES = 1000;

/** CommonJS run by the worker thread: its own connection to the file, passive checkpoints on a timer. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
// A checkpoint copies pages from the log to the file without its page cache: keep it small.
db.pragma('cache_size = -64');
let last = '';
let timer;
function checkpoint() {
  const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
  const now = log + ' ' + checkpointed;
  // While the log moves, keep up with it; once it stands still, look now and then.
  timer = setTimeout(checkpoint, now === last ? workerData.idleMs : workerData.busyMs);
  last = now;
}
timer = setTimeout(checkpoint, workerData.busyMs);
parentPort.once('message', () => {
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * In WAL mode SQLite copies the log back into the database file once it holds 1 000 pages, inside
 * whichever commit crosses the mark, and syncs both files on the way. With better-sqlite3 that
 * commit runs on the event loop: 20–30 ms every 75–90 small commits on this kind of machine
 * (measured), during which every request and every VPN decision waits. Checkpoints run instead on
 * a connection of their own in a worker thread, where the syncs block nobody. A passive checkpoint
 * never waits for, nor blocks, a writer or a reader; once the log is fully copied, the next write
 * starts it over.
 */
export class SqliteCheckpointer {
  private worker: Worker | undefined;

  constructor(native: SqliteDatabase.Database, file: string) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, file, busyMs: BUSY_MS, idleMs: IDLE_MS },
      // It allocates next to nothing: a small heap keeps its memory small.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    });
    // Never what keeps the process alive; close() ends it with the store.
    worker.unref();
    this.worker = worker;
    native.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    // A worker that fails (it cannot open the file, a checkpoint throws) leaves checkpoints to the
    // main connection again, as SQLite does by default.
    const stopped = (): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      if (native.open) native.pragma(`wal_autocheckpoint = ${DEFAULT_PAGES}`);
    };
    worker.once('error', stopped);
    worker.once('exit', stopped);
  }

  /** Whether checkpoints still run in the worker (tests). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Ends the worker after its checkpoint in progress, if any; the main connection stays as it is. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Held until it has gone, so a caller awaiting this is not left behind by an idle process.
    worker.ref();
    worker.postMessage('close');
    await exited;
  }
}
