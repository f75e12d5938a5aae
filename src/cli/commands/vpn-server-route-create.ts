import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { routeFields } from '../format/resources.ts';
import { resolveServerId } from '../resolve.ts';

/** The access flags as the API's `access` (none given: everyone, as the reference). */
export function routeAccess(input: { accessUsers?: string[] | undefined; accessCommonNames?: string[] | undefined }): { access?: { users?: string[]; common_names?: string[] } } {
  if (input.accessUsers === undefined && input.accessCommonNames === undefined) return {};
  return { access: { ...(input.accessUsers && { users: input.accessUsers }), ...(input.accessCommonNames && { common_names: input.accessCommonNames }) } };
}

export interface RouteCreateInput {
  server: string;
  destination: string;
  action: 'deliver' | 'drop' | 'translate' | undefined;
  name: string | undefined;
  accessUsers?: string[] | undefined;
  accessCommonNames?: string[] | undefined;
  output: string | undefined;
  quiet: boolean;
}

export async function run(ctx: Context, input: RouteCreateInput): Promise<void> {
  const client = await ctx.client();
  const serverId = await resolveServerId(client, input.server);
  const progress = !input.quiet && !wantsJson(input);
  if (progress) {
    const me = await ctx.me();
    ctx.line(`Creating route to ${input.destination} on VPN server ${input.server} under account ${me.account_id} as user ${me.name}...`);
  }
  const route = await client.createVpnServerRoute(serverId, {
    destination: input.destination,
    ...(input.action ? { action: input.action } : {}),
    ...(input.name ? { name: input.name } : {}),
    ...routeAccess(input),
  });
  if (wantsJson(input)) return ctx.json(route);
  if (progress) ctx.line('OK');
  ctx.out(routeFields(route));
}
