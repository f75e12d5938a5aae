import type { AuditEvent, AuditEventQuery } from '../../client/types.ts';
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { dash, renderTable } from '../format/table.ts';
import { localTime } from '../format/time.ts';

export interface AuditInput {
  since: string | undefined;
  until: string | undefined;
  actor: string | undefined;
  target: string | undefined;
  operation: string | undefined;
  outcome: string | undefined;
  limit: number | undefined;
  all: boolean;
  output: 'json' | 'jsonl' | undefined;
}

const RELATIVE = /^(\d+)(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `24h`, `7d`, `30m` back from now, or an RFC 3339 / ISO date. */
export function parseTime(flag: string, text: string, now = Date.now()): string {
  const relative = RELATIVE.exec(text);
  if (relative) return new Date(now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]).toISOString();
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(text)) throw new UsageError(`${flag} must be a date (2026-11-30 or 2026-11-30T08:00:00Z) or a time back from now (30m, 24h, 7d), got "${text}"`);
  return new Date(ms).toISOString();
}

function table(events: readonly AuditEvent[]): string {
  return renderTable(
    ['Time', 'Operation', 'Outcome', 'Status', 'Actor', 'Address', 'Target'],
    events.map((e) => [localTime(e.created_at), e.operation, e.error_code ? `${e.outcome} (${e.error_code})` : e.outcome, String(e.status_code), dash(e.actor.user_name ?? e.actor.user_id), e.actor.address, `${e.target.resource_type} ${dash(e.target.id)}`]),
  );
}

/**
 * `sluice audit`: the audit trail, newest first. A table of the latest events by default;
 * `--output jsonl` exports every matching event as JSON lines (oldest first), page by page.
 */
export async function run(ctx: Context, input: AuditInput): Promise<void> {
  const query: AuditEventQuery = {
    ...(input.since !== undefined && { since: parseTime('--since', input.since) }),
    ...(input.until !== undefined && { until: parseTime('--until', input.until) }),
    ...(input.actor !== undefined && { actor: input.actor }),
    ...(input.target !== undefined && { target: input.target }),
    ...(input.operation !== undefined && { operation: input.operation }),
    ...(input.outcome !== undefined && { outcome: input.outcome }),
  };
  const client = await ctx.client();
  if (input.output === 'jsonl') {
    await client.eachAuditEventPage({ ...query, sort: 'created_at' }, (events) => ctx.out(events.map((e) => `${JSON.stringify(e)}\n`).join('')));
    return;
  }
  const events: AuditEvent[] = [];
  const wanted = input.all ? Number.POSITIVE_INFINITY : (input.limit ?? 50);
  if (wanted <= 100) events.push(...(await client.listAuditEvents({ ...query, limit: wanted })).audit_events);
  else
    await client.eachAuditEventPage(query, (page) => {
      events.push(...page.slice(0, wanted - events.length));
    });
  const shown = events.slice(0, wanted);
  if (input.output === 'json') return ctx.json(shown);
  if (shown.length === 0) return ctx.line('No audit events were found.');
  ctx.out(table(shown));
}
