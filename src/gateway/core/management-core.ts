/**
 * The whole sans-IO management client: bytes and ticks in; events, command replies, session facts
 * and anomalies out. The IO shell writes commands itself and registers them with `expect`.
 */
import { LineFramer } from './framer.ts';
import type { FramerOptions } from './framer.ts';
import type { ManagementEvent } from './events.ts';
import { ManagementProtocol } from './protocol.ts';
import type { AnomalyReason, CommandReply, ProtocolLimits, ReplyShape } from './protocol.ts';
import { SessionTracker } from './sessions.ts';
import type { SessionFact, SessionTrackerOptions } from './sessions.ts';
import { KillFollowUps, type FollowUp } from './kill-followup.ts';

export interface CoreOutput {
  events: ManagementEvent[];
  replies: { id: number; reply: CommandReply }[];
  facts: SessionFact[];
  anomalies: { reason: AnomalyReason; line: string }[];
}

export interface KillFollowUpOptions {
  /**
   * Grace (ms) between an accepted `client-kill … HALT` and the `kill IP:port` that ends the
   * instance without OpenVPN's 5 s exit interval. Undefined: no follow-up.
   */
  killGraceMs?: number | undefined;
}

export type ManagementCoreOptions = FramerOptions & ProtocolLimits & SessionTrackerOptions & KillFollowUpOptions;

export class ManagementCore {
  readonly framer: LineFramer;
  readonly protocol: ManagementProtocol;
  readonly tracker: SessionTracker;
  readonly followUps: KillFollowUps | undefined;

  constructor(options: ManagementCoreOptions = {}) {
    this.framer = new LineFramer(options);
    this.protocol = new ManagementProtocol(options);
    this.tracker = new SessionTracker(options);
    this.followUps = options.killGraceMs === undefined ? undefined : new KillFollowUps(options.killGraceMs);
  }

  /** `client-kill CID HALT` was accepted: when its `kill IP:port` follow-up is due (if it gets one). */
  halted(cid: number, now: number): number | undefined {
    return this.followUps?.halted({ processStart: this.tracker.processStart ?? 0, cid }, this.tracker, now);
  }

  /** Follow-up kills due now, for sessions that still hold their address. */
  dueFollowUps(now: number): FollowUp[] {
    return this.followUps?.due(now, this.tracker) ?? [];
  }

  /** Bytes held across all buffers (framer partial line, open ENV/reply blocks). */
  get bufferedBytes(): number {
    return this.framer.bufferedBytes + this.protocol.bufferedBytes;
  }

  expect(shape: ReplyShape): number | undefined {
    return this.protocol.expect(shape);
  }

  receive(chunk: Uint8Array | string, now: number): CoreOutput {
    const out: CoreOutput = { events: [], replies: [], facts: [], anomalies: [] };
    for (const item of this.framer.push(chunk)) {
      for (const result of this.protocol.feed(item)) {
        switch (result.kind) {
          case 'event':
            out.events.push(result.event);
            for (const fact of this.tracker.handle(result.event, now)) out.facts.push(fact);
            break;
          case 'reply':
            out.replies.push({ id: result.id, reply: result.reply });
            break;
          case 'anomaly':
            out.anomalies.push({ reason: result.reason, line: result.line });
            break;
        }
      }
    }
    return out;
  }

  tick(now: number): SessionFact[] {
    return this.tracker.tick(now);
  }
}
