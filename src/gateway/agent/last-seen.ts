import { closeSync, openSync, statSync, utimesSync } from 'node:fs';

/**
 * A file whose modification time is the last moment an agent was attached to the server's
 * OpenVPN and saw its sessions. Touched every second while attached and once more on detach; the
 * next agent reads it before touching it, so it knows since when it was away: a session found
 * ended at re-attach ended after that moment.
 */
export class LastSeenMark {
  private touchedAt = 0;

  constructor(private readonly path: string) {}

  /** When an agent last saw the server (unix ms), or undefined if never. */
  read(): number | undefined {
    try {
      // Whole milliseconds: times are stored as integers.
      return Math.floor(statSync(this.path).mtimeMs);
    } catch {
      return undefined;
    }
  }

  /** Records `now`; at most once a second unless `force`. */
  touch(now: number, force = false): void {
    if (!force && now - this.touchedAt < 1000) return;
    this.touchedAt = now;
    try {
      closeSync(openSync(this.path, 'a', 0o600));
      utimesSync(this.path, now / 1000, now / 1000);
    } catch {
      // The server's directory is being removed; nothing to remember.
    }
  }
}
