/**
 * Session tracker: management events in, session facts out. Pure; the caller passes the time.
 *
 * A session is identified by (processStart, cid). processStart is OpenVPN's `daemon_start_time`
 * (unix seconds — an identity, not a clock): CIDs restart at 0 after an in-process restart
 * (SIGHUP/SIGUSR1) while the management connection stays open, so the CID alone is ambiguous.
 * Never key by user, common name or address: one user may hold several sessions, and a reconnect's
 * CONNECT/ESTABLISHED can arrive before the old session's DISCONNECT.
 *
 * The epoch comes from the `daemon_start_time` ENV of client events, or from `setProcessStart`
 * (after re-attaching, from the pid file). A `>HOLD` or a `>STATE` of RECONNECTING/EXITING means
 * the process is restarting: every session of the old epoch is reported ended (OpenVPN normally
 * sends their DISCONNECTs first; this covers the ones that were lost).
 *
 * Memory: sessions are removed on DISCONNECT; pending auth requests expire on `tick`; and the total
 * is capped (oldest dropped first) so garbage input cannot grow it without limit.
 */
import type { ClientEnv, ManagementEvent } from './events.ts';
import { parseUnsigned } from './events.ts';

export interface SessionKey {
  /** OpenVPN's daemon_start_time (unix seconds); 0 when not known yet. */
  processStart: number;
  cid: number;
}

/** A session key as the channel and the store spell it: `<process start>:<cid>`. */
export const sessionKeyText = (key: SessionKey): string => `${key.processStart}:${key.cid}`;

/** Reads `sessionKeyText`'s form back; a malformed text gives a key no session has (cid -1). */
export function parseSessionKey(text: string): SessionKey {
  const [processStart = 0, cid = -1] = text.split(':').map(Number);
  return { processStart, cid };
}

export interface AuthRequestFact {
  type: 'auth_request';
  key: SessionKey;
  kid: number;
  /** REAUTH (TLS renegotiation of a live session) rather than a new CONNECT. */
  reauth: boolean;
  username: string | undefined;
  password: string | undefined;
  commonName: string | undefined;
  untrustedIp: string | undefined;
  untrustedPort: number | undefined;
  /** Serial of the client certificate (hex), when one was presented. */
  certSerial: string | undefined;
  /** The whole ENV, for policies that need more (IV_PLAT, tls_serial_0, session_state…). */
  env: ClientEnv;
}

export interface EstablishedFact {
  type: 'established';
  key: SessionKey;
  /** Tunnel address from the pool (`ifconfig_pool_remote_ip`). */
  clientIp: string | undefined;
  remoteIp: string | undefined;
  remotePort: number | undefined;
  commonName: string | undefined;
  username: string | undefined;
  /** Serial of the client certificate (hex), when one was presented. */
  certSerial: string | undefined;
  /** Unix ms, from `time_unix` (falls back to the observation time). */
  startedAt: number;
}

export type DisconnectCause =
  | 'disconnect' // OpenVPN sent >CLIENT:DISCONNECT
  | 'process_restarted'; // the epoch ended (restart) without a DISCONNECT for this session

export interface DisconnectedFact {
  type: 'disconnected';
  key: SessionKey;
  bytesSent: number | undefined;
  bytesReceived: number | undefined;
  /** Unix ms when the end was observed. */
  endedAt: number;
  /**
   * False for a client that never reached ESTABLISHED (denied, timed out, empty ENV): the control
   * plane has no record of it and can ignore the fact.
   */
  wasEstablished: boolean;
  cause: DisconnectCause;
}

/** A CONNECT/REAUTH that got no decision within the auth timeout; OpenVPN has dropped it too. */
export interface AuthExpiredFact {
  type: 'auth_expired';
  key: SessionKey;
  kid: number;
}

export type SessionFact = AuthRequestFact | EstablishedFact | DisconnectedFact | AuthExpiredFact;

export interface SessionTrackerOptions {
  /** How long an unanswered CONNECT is kept; OpenVPN gives up after min(hand-window, reneg-sec/2). */
  authTimeoutMs?: number;
  /** Most sessions (pending or live) tracked; beyond it the oldest are forgotten. */
  maxSessions?: number;
}

interface TrackedSession {
  cid: number;
  established: boolean;
  /** Set while a CONNECT/REAUTH awaits a decision. */
  pendingAuth: { kid: number; expiresAt: number } | undefined;
  clientIp: string | undefined;
  /** Where the client's packets come from (`IP:port`, OpenVPN's real address of the instance). */
  realAddress: string | undefined;
}

/** `IP:port` from a client's ENV (trusted_* after auth, untrusted_* before), as `status` prints it. */
function realAddressOf(env: ClientEnv): string | undefined {
  const ip = env.get('trusted_ip') ?? env.get('untrusted_ip') ?? env.get('trusted_ip6') ?? env.get('untrusted_ip6');
  const port = parseUnsigned(env.get('trusted_port')) ?? parseUnsigned(env.get('untrusted_port'));
  return ip === undefined || ip === '' || port === undefined ? undefined : `${ip}:${port}`;
}

/**
 * The client certificate's serial (depth 0) as hex: OpenVPN's `tls_serial_hex_0` ("0a:1b:…"), else
 * its decimal `tls_serial_0` converted. Revocation ends sessions by serial, not by common name.
 */
function certSerialOf(env: ClientEnv): string | undefined {
  const hex = env.get('tls_serial_hex_0');
  if (hex !== undefined && hex !== '') return hex;
  const decimal = env.get('tls_serial_0');
  return decimal !== undefined && /^\d{1,100}$/.test(decimal) ? BigInt(decimal).toString(16) : undefined;
}

export class SessionTracker {
  private readonly authTimeoutMs: number;
  private readonly maxSessions: number;
  private epoch: number | undefined;
  /** Sessions of the current epoch by cid, in insertion order (oldest first). */
  private sessions = new Map<number, TrackedSession>();
  /** Real address → the CID that last showed up from it (current epoch). */
  private byAddress = new Map<string, number>();
  /**
   * Real addresses `status` listed for CIDs this tracker saw no event of (sessions that began
   * before it attached); replaced at every `status`, so they cannot outlive the process's list.
   */
  private listed = new Map<number, string>();

  constructor(options: SessionTrackerOptions = {}) {
    this.authTimeoutMs = options.authTimeoutMs ?? 60_000;
    this.maxSessions = options.maxSessions ?? 200_000;
  }

  get processStart(): number | undefined {
    return this.epoch;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Sets the epoch when it is known from elsewhere (pid file after re-attach). */
  setProcessStart(processStart: number, now: number): SessionFact[] {
    return this.enterEpoch(processStart, now);
  }

  /** Live (established) sessions of the current epoch. */
  liveKeys(): SessionKey[] {
    const processStart = this.epoch ?? 0;
    return [...this.sessions.values()].filter((s) => s.established).map((s) => ({ processStart, cid: s.cid }));
  }

  /** Whether this tracker has heard of the client (a CONNECT or any other event of it). */
  tracks(cid: number): boolean {
    return this.sessions.has(cid);
  }

  /** The real address (`IP:port`) a tracked session's packets come from, when its events said. */
  realAddressOf(cid: number): string | undefined {
    return this.sessions.get(cid)?.realAddress ?? this.listed.get(cid);
  }

  /**
   * What `status` says of real addresses (`IP:port` per CID), for sessions whose events this
   * tracker never saw. Sessions it tracks keep what their own events said.
   */
  noteListedAddresses(rows: readonly { cid: number; address: string }[]): void {
    this.listed = new Map(rows.filter((row) => this.sessions.get(row.cid)?.realAddress === undefined).map((row) => [row.cid, row.address]));
  }

  /**
   * The tracked session that holds a real address now: the last one seen from it. A new session
   * from the same address (same client port, after the old instance ended) takes it over.
   */
  holderOf(address: string): number | undefined {
    const seen = this.byAddress.get(address);
    if (seen !== undefined) return seen;
    for (const [cid, listed] of this.listed) if (listed === address) return cid;
    return undefined;
  }

  /** A decision was sent for this auth request: stop tracking its expiry. */
  authAnswered(cid: number): void {
    const session = this.sessions.get(cid);
    if (session !== undefined) session.pendingAuth = undefined;
  }

  handle(event: ManagementEvent, now: number): SessionFact[] {
    switch (event.type) {
      case 'hold':
        return this.endEpoch(now);
      case 'state':
        return event.name === 'RECONNECTING' || event.name === 'EXITING' ? this.endEpoch(now) : [];
      case 'client-address': {
        const session = this.sessions.get(event.cid);
        if (session !== undefined && event.primary) session.clientIp = event.address;
        return [];
      }
      case 'client':
        break;
      default:
        return [];
    }
    const facts = this.epochFromEnv(event.env, now);
    switch (event.kind) {
      case 'CONNECT':
      case 'REAUTH':
        facts.push(this.authRequest(event.kind === 'REAUTH', event.cid, event.kid, event.env, now));
        break;
      case 'ESTABLISHED':
        facts.push(this.established(event.cid, event.env, now));
        break;
      case 'DISCONNECT':
        facts.push(this.disconnected(event.cid, event.env, now));
        break;
      case 'CR_RESPONSE':
        break;
    }
    return facts;
  }

  /** Expires auth requests nobody answered. */
  tick(now: number): SessionFact[] {
    const facts: SessionFact[] = [];
    for (const session of this.sessions.values()) {
      const pending = session.pendingAuth;
      if (pending === undefined || pending.expiresAt > now) continue;
      session.pendingAuth = undefined;
      facts.push({ type: 'auth_expired', key: this.key(session.cid), kid: pending.kid });
      // A REAUTH timeout ends a live session too, but OpenVPN then sends DISCONNECT; only a
      // never-established client is forgotten here.
      if (!session.established) this.forget(session);
    }
    return facts;
  }

  private key(cid: number, processStart = this.epoch): SessionKey {
    return { processStart: processStart ?? 0, cid };
  }

  private epochFromEnv(env: ClientEnv, now: number): SessionFact[] {
    const start = parseUnsigned(env.get('daemon_start_time'));
    return start === undefined ? [] : this.enterEpoch(start, now);
  }

  private enterEpoch(start: number, now: number): SessionFact[] {
    if (this.epoch === start) return [];
    const facts = this.epoch === undefined ? [] : this.endEpoch(now);
    this.epoch = start;
    return facts;
  }

  private endEpoch(now: number): SessionFact[] {
    const facts: SessionFact[] = [];
    for (const session of this.sessions.values()) {
      if (!session.established) continue;
      facts.push({
        type: 'disconnected',
        key: this.key(session.cid),
        bytesSent: undefined,
        bytesReceived: undefined,
        endedAt: now,
        wasEstablished: true,
        cause: 'process_restarted',
      });
    }
    this.sessions = new Map();
    this.byAddress = new Map();
    this.listed = new Map();
    this.epoch = undefined;
    return facts;
  }

  private upsert(cid: number): TrackedSession {
    let session = this.sessions.get(cid);
    if (session === undefined) {
      session = { cid, established: false, pendingAuth: undefined, clientIp: undefined, realAddress: undefined };
      this.sessions.set(cid, session);
      this.enforceCap();
    }
    return session;
  }

  private enforceCap(): void {
    while (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done === true) return;
      const session = this.sessions.get(oldest.value);
      if (session !== undefined) this.forget(session);
    }
  }

  private forget(session: TrackedSession): void {
    this.sessions.delete(session.cid);
    this.listed.delete(session.cid);
    if (session.realAddress !== undefined && this.byAddress.get(session.realAddress) === session.cid) this.byAddress.delete(session.realAddress);
  }

  private locate(session: TrackedSession, env: ClientEnv): void {
    const address = realAddressOf(env);
    if (address === undefined) return;
    if (session.realAddress !== undefined && session.realAddress !== address && this.byAddress.get(session.realAddress) === session.cid) this.byAddress.delete(session.realAddress);
    session.realAddress = address;
    this.byAddress.set(address, session.cid);
    this.listed.delete(session.cid);
  }

  private authRequest(reauth: boolean, cid: number, kid: number, env: ClientEnv, now: number): AuthRequestFact {
    const session = this.upsert(cid);
    this.locate(session, env);
    session.pendingAuth = { kid, expiresAt: now + this.authTimeoutMs };
    return {
      type: 'auth_request',
      key: this.key(cid),
      kid,
      reauth,
      username: env.get('username'),
      password: env.get('password'),
      commonName: env.get('common_name'),
      untrustedIp: env.get('untrusted_ip') ?? env.get('untrusted_ip6'),
      untrustedPort: parseUnsigned(env.get('untrusted_port')),
      certSerial: certSerialOf(env),
      env,
    };
  }

  private established(cid: number, env: ClientEnv, now: number): EstablishedFact {
    const session = this.upsert(cid);
    session.established = true;
    session.pendingAuth = undefined;
    this.locate(session, env);
    const timeUnix = parseUnsigned(env.get('time_unix'));
    const remoteIp = env.get('trusted_ip') ?? env.get('trusted_ip6') ?? env.get('untrusted_ip') ?? env.get('untrusted_ip6');
    const remotePort = parseUnsigned(env.get('trusted_port')) ?? parseUnsigned(env.get('untrusted_port'));
    const clientIp = env.get('ifconfig_pool_remote_ip') ?? session.clientIp;
    session.clientIp = clientIp;
    return {
      type: 'established',
      key: this.key(cid),
      clientIp,
      remoteIp,
      remotePort,
      commonName: env.get('common_name'),
      username: env.get('username'),
      certSerial: certSerialOf(env),
      startedAt: timeUnix === undefined ? now : timeUnix * 1000,
    };
  }

  private disconnected(cid: number, env: ClientEnv, now: number): DisconnectedFact {
    const session = this.sessions.get(cid);
    if (session !== undefined) this.forget(session);
    this.listed.delete(cid);
    // Sessions established before we attached are unknown to us; their ENV still says so.
    const wasEstablished = session?.established ?? env.has('time_unix');
    return {
      type: 'disconnected',
      key: this.key(cid),
      bytesSent: parseUnsigned(env.get('bytes_sent')),
      bytesReceived: parseUnsigned(env.get('bytes_received')),
      endedAt: now,
      wasEstablished,
      cause: 'disconnect',
    };
  }
}
