/**
 * The management protocol driver: framed lines in, events / command replies / anomalies out.
 * Pure and synchronous; the IO shell owns the socket and maps reply ids to promises.
 *
 * Commands are answered strictly in order, so outstanding commands sit in a FIFO with the reply
 * shape each expects. Real-time `>` lines may arrive in the middle of a block reply (and between the
 * header and ENV lines of nothing else: a `>CLIENT:` block is never interleaved), so they are routed
 * to events before any reply handling.
 */
import type { FramedItem } from './framer.ts';
import type { ClientHeader, ManagementEvent } from './events.ts';
import { parseClientLine, parseSimpleRealtime, splitRealtime } from './events.ts';

/** How OpenVPN answers a command. `none`: no reply at all (`version N` on 2.6). */
export type ReplyShape = 'line' | 'block' | 'none';

export type CommandReply =
  | { ok: true; shape: 'line'; text: string }
  | { ok: true; shape: 'block'; lines: string[]; truncated: boolean }
  | { ok: false; text: string };

export type ProtocolOutput =
  | { kind: 'event'; event: ManagementEvent }
  | { kind: 'reply'; id: number; reply: CommandReply }
  | { kind: 'anomaly'; reason: AnomalyReason; line: string };

export type AnomalyReason =
  | 'unexpected-reply' // a non-`>` line while no command was outstanding
  | 'unknown-client-line' // `>CLIENT:` we cannot read
  | 'stray-env' // `>CLIENT:ENV` outside a block
  | 'unterminated-env' // a new `>CLIENT:` header before the previous block's END
  | 'overlong-line'; // the framer dropped a line

export interface ProtocolLimits {
  /** ENV entries kept per `>CLIENT:` block (the rest are dropped, `envTruncated` set). */
  maxEnvEntries?: number;
  /** Bytes of ENV names+values kept per block. */
  maxEnvBytes?: number;
  /** Bytes kept of one block reply (`status 3` is ≈ 200 B per client). */
  maxBlockBytes?: number;
  /** Outstanding commands; beyond this `expect()` throws, the caller is not reading replies. */
  maxOutstanding?: number;
}

interface Outstanding {
  id: number;
  shape: 'line' | 'block';
}

interface OpenEnvBlock {
  header: ClientHeader;
  env: Map<string, string>;
  bytes: number;
  truncated: boolean;
}

interface OpenReplyBlock {
  lines: string[];
  bytes: number;
  truncated: boolean;
}

export class ManagementProtocol {
  private readonly limits: Required<ProtocolLimits>;
  private readonly fifo: Outstanding[] = [];
  private fifoHead = 0;
  private nextId = 1;
  private envBlock: OpenEnvBlock | undefined;
  private replyBlock: OpenReplyBlock | undefined;

  constructor(limits: ProtocolLimits = {}) {
    this.limits = {
      maxEnvEntries: limits.maxEnvEntries ?? 1024,
      maxEnvBytes: limits.maxEnvBytes ?? 256 * 1024,
      maxBlockBytes: limits.maxBlockBytes ?? 64 * 1024 * 1024,
      maxOutstanding: limits.maxOutstanding ?? 100_000,
    };
  }

  /** Commands sent and not yet answered. */
  get outstanding(): number {
    return this.fifo.length - this.fifoHead;
  }

  /** Bytes held in unfinished ENV/reply blocks, for tests that check memory stays bounded. */
  get bufferedBytes(): number {
    return (this.envBlock?.bytes ?? 0) + (this.replyBlock?.bytes ?? 0);
  }

  /**
   * Registers a command just written to the socket; returns the id its reply will carry.
   * Shape `none` returns undefined: nothing will come back, so nothing waits in the FIFO.
   */
  expect(shape: ReplyShape): number | undefined {
    if (shape === 'none') return undefined;
    if (this.outstanding >= this.limits.maxOutstanding) throw new Error('too many outstanding management commands');
    const id = this.nextId++;
    this.fifo.push({ id, shape });
    return id;
  }

  /**
   * Forgets every outstanding command (the socket closed) and returns their ids so the caller can
   * reject them. Partial blocks are dropped too.
   */
  reset(): number[] {
    const ids = this.fifo.slice(this.fifoHead).map((entry) => entry.id);
    this.fifo.length = 0;
    this.fifoHead = 0;
    this.envBlock = undefined;
    this.replyBlock = undefined;
    return ids;
  }

  feed(item: FramedItem): ProtocolOutput[] {
    if (item.kind === 'password-prompt') return [{ kind: 'event', event: { type: 'password-prompt' } }];
    if (item.kind === 'overlong') return [{ kind: 'anomaly', reason: 'overlong-line', line: `<${item.droppedBytes} bytes dropped>` }];
    const line = item.text;
    const realtime = splitRealtime(line);
    if (realtime !== undefined) return this.feedRealtime(realtime.source, realtime.text, line);
    return this.feedReplyLine(line);
  }

  private feedRealtime(source: string, text: string, line: string): ProtocolOutput[] {
    if (source !== 'CLIENT') {
      const out: ProtocolOutput[] = [];
      this.closeUnterminatedEnv(out, line);
      out.push({ kind: 'event', event: parseSimpleRealtime(source, text) });
      return out;
    }
    const parsed = parseClientLine(text);
    if (parsed === undefined) return [{ kind: 'anomaly', reason: 'unknown-client-line', line }];
    switch (parsed.is) {
      case 'event': {
        const out: ProtocolOutput[] = [];
        this.closeUnterminatedEnv(out, line);
        out.push({ kind: 'event', event: parsed.event });
        return out;
      }
      case 'header': {
        const out: ProtocolOutput[] = [];
        this.closeUnterminatedEnv(out, line);
        this.envBlock = { header: parsed.header, env: new Map(), bytes: 0, truncated: false };
        return out;
      }
      case 'env': {
        const block = this.envBlock;
        if (block === undefined) return [{ kind: 'anomaly', reason: 'stray-env', line }];
        const size = parsed.name.length + parsed.value.length;
        if (block.env.size >= this.limits.maxEnvEntries || block.bytes + size > this.limits.maxEnvBytes) {
          block.truncated = true;
        } else if (!block.env.has(parsed.name)) {
          // First occurrence wins: OpenVPN never repeats a name, a repeat is not to be trusted more.
          block.env.set(parsed.name, parsed.value);
          block.bytes += size;
        }
        return [];
      }
      case 'env-end': {
        const block = this.envBlock;
        if (block === undefined) return [{ kind: 'anomaly', reason: 'stray-env', line }];
        this.envBlock = undefined;
        return [{ kind: 'event', event: clientEvent(block) }];
      }
    }
  }

  /** A header or other event before END: emit what we have, flagged, rather than lose it. */
  private closeUnterminatedEnv(out: ProtocolOutput[], line: string): void {
    const block = this.envBlock;
    if (block === undefined) return;
    this.envBlock = undefined;
    block.truncated = true;
    out.push({ kind: 'anomaly', reason: 'unterminated-env', line });
    out.push({ kind: 'event', event: clientEvent(block) });
  }

  private feedReplyLine(line: string): ProtocolOutput[] {
    const head = this.fifo[this.fifoHead];
    if (head === undefined) return [{ kind: 'anomaly', reason: 'unexpected-reply', line }];
    if (head.shape === 'line') {
      this.shift();
      const reply: CommandReply = line.startsWith('ERROR:') ? { ok: false, text: line } : { ok: true, shape: 'line', text: line };
      return [{ kind: 'reply', id: head.id, reply }];
    }
    const block = this.replyBlock;
    if (block === undefined && line.startsWith('ERROR:')) {
      // A block command refused outright (e.g. `status 3` before hold release).
      this.shift();
      return [{ kind: 'reply', id: head.id, reply: { ok: false, text: line } }];
    }
    if (line === 'END') {
      this.shift();
      this.replyBlock = undefined;
      const reply: CommandReply = { ok: true, shape: 'block', lines: block?.lines ?? [], truncated: block?.truncated ?? false };
      return [{ kind: 'reply', id: head.id, reply }];
    }
    const open = block ?? (this.replyBlock = { lines: [], bytes: 0, truncated: false });
    if (open.bytes + line.length > this.limits.maxBlockBytes) {
      open.truncated = true;
    } else {
      open.lines.push(line);
      open.bytes += line.length;
    }
    return [];
  }

  private shift(): void {
    this.fifoHead += 1;
    // Compact now and then so the FIFO array does not grow forever.
    if (this.fifoHead > 1024 && this.fifoHead * 2 > this.fifo.length) {
      this.fifo.splice(0, this.fifoHead);
      this.fifoHead = 0;
    }
  }
}

function clientEvent(block: OpenEnvBlock): ManagementEvent {
  const { header, env, truncated } = block;
  switch (header.kind) {
    case 'CONNECT':
    case 'REAUTH':
      return { type: 'client', kind: header.kind, cid: header.cid, kid: header.kid, env, envTruncated: truncated };
    case 'ESTABLISHED':
    case 'DISCONNECT':
      return { type: 'client', kind: header.kind, cid: header.cid, env, envTruncated: truncated };
    case 'CR_RESPONSE':
      return { type: 'client', kind: 'CR_RESPONSE', cid: header.cid, kid: header.kid, response: header.response, env, envTruncated: truncated };
  }
}
