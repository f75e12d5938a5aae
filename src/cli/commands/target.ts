import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { renderFields } from '../format/table.ts';

export async function run(ctx: Context, input: { output: string | undefined }): Promise<void> {
  const client = await ctx.client();
  const me = await ctx.me();
  if (wantsJson(input)) return ctx.json({ endpoint: client.endpoint, user: me });
  ctx.out(renderFields([
    ['API endpoint', client.endpoint],
    ['User', `${me.name} (${me.id})`],
    ['Account', me.account_id],
    ['Roles', me.roles.map((r) => (r.vpn_server_id ? `${r.role} (${r.vpn_server_id})` : r.role)).join(', ') || '-'],
  ]));
}
