import { exactTime, relativeTime } from '../lib/time.ts';

/** "3 minutes ago", with the exact UTC and local times on hover and for screen readers. */
export function RelativeTime({ value, now }: { value: string | undefined; now: number }) {
  if (!value) return <span aria-label="not applicable">—</span>;
  const title = `${exactTime(value)} (${exactTime(value, false)})`;
  return (
    <time dateTime={value} title={title}>
      {relativeTime(value, now)}
    </time>
  );
}
