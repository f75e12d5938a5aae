/**
 * Turns the management socket's byte stream into lines. Pure: no IO, no timers.
 *
 * OpenVPN ends every line with `\r\n`; a bare `\n` is tolerated. Lines are split on bytes and only
 * then decoded, so a chunk boundary inside a multi-byte UTF-8 character or inside `\r\n` is harmless.
 * The password prompt `ENTER PASSWORD:` is written without a line ending, so it is recognised as a
 * pending fragment. A line longer than `maxLineBytes` is dropped (and reported) instead of letting
 * the buffer grow without limit: garbage on the socket must not exhaust memory.
 */

export type FramedItem =
  | { kind: 'line'; text: string }
  | { kind: 'password-prompt' }
  | { kind: 'overlong'; droppedBytes: number };

export interface FramerOptions {
  /** Longest line kept, in bytes (without the line ending). Default 64 KiB. */
  maxLineBytes?: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const PASSWORD_PROMPT = Buffer.from('ENTER PASSWORD:', 'latin1');
/** Shared by every framer between lines: a fresh empty buffer per line was a measurable share of ingest. */
const EMPTY = Buffer.alloc(0);

export class LineFramer {
  readonly maxLineBytes: number;
  /** Bytes of the current unfinished line (never more than maxLineBytes). */
  private partial: Buffer = EMPTY;
  /** Set while skipping the rest of an over-long line; counts the bytes skipped. */
  private discarding = false;
  private discarded = 0;

  constructor(options: FramerOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? 64 * 1024;
  }

  /** Bytes held for an unfinished line: bounded by maxLineBytes. */
  get bufferedBytes(): number {
    return this.partial.length;
  }

  push(chunk: Uint8Array | string): FramedItem[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const items: FramedItem[] = [];
    let start = 0;
    while (start < bytes.length) {
      const newline = bytes.indexOf(NEWLINE, start);
      if (newline === -1) {
        this.keepPartial(bytes.subarray(start));
        break;
      }
      this.finishLine(bytes.subarray(start, newline), items);
      start = newline + 1;
    }
    if (!this.discarding && this.partial.equals(PASSWORD_PROMPT)) {
      this.partial = EMPTY;
      items.push({ kind: 'password-prompt' });
    }
    return items;
  }

  private keepPartial(tail: Buffer): void {
    if (this.discarding) {
      this.discarded += tail.length;
      return;
    }
    if (this.partial.length + tail.length > this.maxLineBytes) {
      this.discarding = true;
      this.discarded = this.partial.length + tail.length;
      this.partial = EMPTY;
      return;
    }
    // Copy: the caller may reuse its buffer, and a subarray would pin the whole chunk.
    this.partial = this.partial.length === 0 ? Buffer.from(tail) : Buffer.concat([this.partial, tail]);
  }

  private finishLine(segment: Buffer, items: FramedItem[]): void {
    if (this.discarding) {
      items.push({ kind: 'overlong', droppedBytes: this.discarded + segment.length + 1 });
      this.discarding = false;
      this.discarded = 0;
      return;
    }
    let line = this.partial.length === 0 ? segment : Buffer.concat([this.partial, segment]);
    this.partial = EMPTY;
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, line.length - 1);
    if (line.length > this.maxLineBytes) {
      items.push({ kind: 'overlong', droppedBytes: line.length });
      return;
    }
    // Invalid UTF-8 becomes U+FFFD, as with TextDecoder, at a fraction of its cost per short line.
    items.push({ kind: 'line', text: line.toString('utf8') });
  }
}
