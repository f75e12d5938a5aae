import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { routeFields } from '../format/resources.ts';
import { resolveRouteId, resolveServerId } from '../resolve.ts';

export async function run(ctx: Context, input: { server: string; route: string; name: string; output: string | undefined; quiet: boolean }): Promise<void> {
  const client = await ctx.client();
  const serverId = await resolveServerId(client, input.server);
  const routeId = await resolveRouteId(client, serverId, input.route);
  const progress = !input.quiet && !wantsJson(input);
  if (progress) {
    const me = await ctx.me();
    ctx.line(`Updating route ${input.route} of VPN server ${input.server} under account ${me.account_id} as user ${me.name}...`);
  }
  const route = await client.updateVpnServerRoute(serverId, routeId, { name: input.name });
  if (wantsJson(input)) return ctx.json(route);
  if (progress) ctx.line('OK');
  ctx.out(routeFields(route));
}
