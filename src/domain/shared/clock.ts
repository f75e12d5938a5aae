/** Time is injected so that lifecycle rules (retention, expiry) are testable without waiting. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: from here on an ISO year has more than four digits. */
const YEAR_10000_MS = 253_402_300_800_000;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** The `YYYY-MM-DDT` of the last day formatted: the records of one page mostly share their day. */
let lastDay = Number.NaN;
let lastDayPrefix = '';

/**
 * RFC 3339 with milliseconds, UTC — the reference's timestamp format, exactly what
 * `Date.prototype.toISOString` writes. Every API record carries two or three of these, and
 * `toISOString` (≈ 0.6 µs) was the largest cost of presenting a page of clients; the date part is
 * formatted once per day and the time of day by arithmetic (≈ 0.1 µs). Anything but a whole
 * millisecond from 1970 to 9999 goes to `toISOString`, with its own output and errors.
 */
export function toTimestamp(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= YEAR_10000_MS) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== lastDay) {
    lastDayPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    lastDay = day;
  }
  const inDay = ms - day * DAY_MS;
  const hours = Math.floor(inDay / 3_600_000);
  const minutes = Math.floor((inDay % 3_600_000) / 60_000);
  const seconds = Math.floor((inDay % 60_000) / 1000);
  return `${lastDayPrefix}${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(inDay % 1000)}Z`;
}
