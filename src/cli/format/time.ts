const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/**
 * An RFC 3339 timestamp shown in the user's local zone, e.g. `2026-11-25T18:04:05+01:00`.
 * `offsetMinutes` (minutes east of UTC) is injectable for tests; it defaults to the local zone at that instant.
 */
export function localTime(iso: string | undefined, offsetMinutes?: number): string {
  if (!iso) return '-';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const offset = offsetMinutes ?? -new Date(ms).getTimezoneOffset();
  const shifted = new Date(ms + offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const date = `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`;
  const time = `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}:${pad(shifted.getUTCSeconds())}`;
  return `${date}T${time}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
