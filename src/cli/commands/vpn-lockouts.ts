import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { renderTable } from '../format/table.ts';
import { localTime } from '../format/time.ts';

/** Users and remote addresses locked out of VPN username authentication after failed attempts. */
export async function run(ctx: Context, input: { output: string | undefined }): Promise<void> {
  const lockouts = await (await ctx.client()).listVpnLockouts();
  if (wantsJson(input)) return ctx.json(lockouts);
  if (lockouts.length === 0) return ctx.line('No user or address is locked out.');
  ctx.out(renderTable(['ID', 'Kind', 'Subject', 'Failures', 'Locked until'], lockouts.map((l) => [l.id, l.kind, l.subject, String(l.failures), localTime(l.locked_until)])));
}
