/** Time is injected so that lifecycle rules (retention, expiry) are testable without waiting. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** RFC 3339 with milliseconds, UTC — the reference's timestamp format. */
export const toTimestamp = (ms: number): string => new Date(ms).toISOString();
