/**
 * When did a session end that ended while no agent was attached? OpenVPN announced it with a
 * `>CLIENT:DISCONNECT` nobody read, but it also logged it, and it keeps its recent log lines
 * (`management-log-cache`) for `log all`, each with its unix time:
 *
 *   1796024155,,alice/127.0.0.1:45243 SIGUSR1[soft,ping-restart] received, client-instance restarting
 *   1796024160,,127.0.0.1:50123 SIGTERM[soft,remote-exit] received, client-instance exiting
 *
 * The line is written at the moment the instance is closed, i.e. when the DISCONNECT would have
 * been raised. Its prefix is the instance's `common name/ip:port` (or `ip:port` before the TLS
 * handshake named it). When the line has rolled out of the cache, or the process is another one
 * (it died meanwhile), the last moment an agent saw the session alive is the best known bound: it
 * ended after it. Pure.
 */

export interface LogLine {
  /** Unix ms (OpenVPN logs whole seconds). */
  at: number;
  flags: string;
  message: string;
}

/** Reads `log all` reply lines (`<unix seconds>,<flags>,<message>`); other lines are skipped. */
export function parseLogHistory(lines: readonly string[]): LogLine[] {
  const out: LogLine[] = [];
  for (const line of lines) {
    const match = /^(\d{1,12}),([A-Z]*),(.*)$/s.exec(line);
    if (match === null) continue;
    out.push({ at: Number(match[1]) * 1000, flags: match[2] ?? '', message: match[3] ?? '' });
  }
  return out;
}

const INSTANCE_CLOSED = /client-instance (exiting|restarting)$/;

/**
 * When OpenVPN closed the instance that served `ip:port`, at or after `since` (unix ms): the first
 * matching log line, or undefined. The address is matched as the whole prefix token, so
 * `127.0.0.1:4000` does not match `127.0.0.1:40001`.
 */
export function instanceClosedAt(log: readonly LogLine[], ip: string, port: number, since: number): number | undefined {
  const address = `${ip}:${port}`;
  // Whole seconds on OpenVPN's side: a session started at 12.7 s can end in the line of second 12.
  const from = Math.floor(since / 1000) * 1000;
  for (const line of log) {
    if (line.at < from || !INSTANCE_CLOSED.test(line.message)) continue;
    const space = line.message.indexOf(' ');
    const prefix = space === -1 ? line.message : line.message.slice(0, space);
    // The common name before the `/` may itself contain spaces; the address is what ends the prefix.
    const named = line.message.includes(`/${address} `);
    if (prefix === address || named) return line.at;
  }
  return undefined;
}

export interface EndedWhileAway {
  startedAt: number;
  remoteIp: string;
  remotePort: number;
}

/**
 * The end time to record for a session that ended while no agent was attached: OpenVPN's own log
 * line when it is still there, else the last time an agent saw the session alive (never before the
 * session started), else `now`. Never after `now`.
 */
export function endTimeOf(session: EndedWhileAway, log: readonly LogLine[], lastSeenAlive: number | undefined, now: number): number {
  const logged = session.remotePort > 0 ? instanceClosedAt(log, session.remoteIp, session.remotePort, session.startedAt) : undefined;
  const estimate = logged ?? (lastSeenAlive === undefined ? now : Math.max(lastSeenAlive, session.startedAt));
  return Math.min(estimate, now);
}
