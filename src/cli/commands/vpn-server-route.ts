import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { routeFields } from '../format/resources.ts';
import { resolveRouteId, resolveServerId } from '../resolve.ts';

export async function run(ctx: Context, input: { server: string; route: string; output: string | undefined }): Promise<void> {
  const client = await ctx.client();
  const serverId = await resolveServerId(client, input.server);
  const route = await client.getVpnServerRoute(serverId, await resolveRouteId(client, serverId, input.route));
  if (wantsJson(input)) return ctx.json(route);
  ctx.out(routeFields(route));
}
