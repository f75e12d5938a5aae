import { DELETE_ROUTE, runConfirmed } from '../confirmed.ts';
import type { Context } from '../context.ts';
import { resolveRouteId, resolveServerId } from '../resolve.ts';

export async function run(ctx: Context, input: { server: string; routes: string[]; force: boolean; quiet: boolean }): Promise<void> {
  const client = await ctx.client();
  const serverId = await resolveServerId(client, input.server);
  await runConfirmed(ctx, DELETE_ROUTE, input.routes, input, async (route) => client.deleteVpnServerRoute(serverId, await resolveRouteId(client, serverId, route)));
}
