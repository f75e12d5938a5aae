import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { routesTable } from '../format/resources.ts';
import { resolveServerId } from '../resolve.ts';

export async function run(ctx: Context, input: { server: string; output: string | undefined }): Promise<void> {
  const client = await ctx.client();
  const routes = await client.listAllVpnServerRoutes(await resolveServerId(client, input.server));
  if (wantsJson(input)) return ctx.json(routes);
  if (routes.length === 0) return ctx.line(`No routes were found on VPN server ${input.server}.`);
  ctx.out(routesTable(routes));
}
