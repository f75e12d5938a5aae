import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { UsageError } from '../errors.ts';
import { routeFields } from '../format/resources.ts';
import { resolveRouteId, resolveServerId } from '../resolve.ts';
import { routeAccess } from './vpn-server-route-create.ts';

export interface RouteUpdateInput {
  server: string;
  route: string;
  name: string | undefined;
  accessUsers?: string[] | undefined;
  accessCommonNames?: string[] | undefined;
  accessEveryone?: boolean;
  output: string | undefined;
  quiet: boolean;
}

export async function run(ctx: Context, input: RouteUpdateInput): Promise<void> {
  const access = routeAccess(input);
  if (input.accessEveryone && access.access) throw new UsageError('--access-everyone cannot be combined with --access-users or --access-common-names');
  if (input.name === undefined && !input.accessEveryone && !access.access) throw new UsageError('nothing to change: give --name, --access-users, --access-common-names or --access-everyone');
  const client = await ctx.client();
  const serverId = await resolveServerId(client, input.server);
  const routeId = await resolveRouteId(client, serverId, input.route);
  const progress = !input.quiet && !wantsJson(input);
  if (progress) {
    const me = await ctx.me();
    ctx.line(`Updating route ${input.route} of VPN server ${input.server} under account ${me.account_id} as user ${me.name}...`);
  }
  const route = await client.updateVpnServerRoute(serverId, routeId, {
    ...(input.name !== undefined && { name: input.name }),
    ...(input.accessEveryone ? { access: null } : access),
  });
  if (wantsJson(input)) return ctx.json(route);
  if (progress) ctx.line('OK');
  ctx.out(routeFields(route));
}
