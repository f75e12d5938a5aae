import type { VpnServerPrototype } from '../../client/types.ts';
import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { serverFields } from '../format/resources.ts';
import { clientAuthentication, commonFields, type ServerSettings } from '../server-settings.ts';

export interface CreateInput extends ServerSettings {
  clientIpPool: string;
  sg?: string[];
  output?: string;
  quiet?: boolean;
}

/** Builds the prototype from the flags; exported for the unit tests. */
export async function prototypeOf(input: CreateInput): Promise<VpnServerPrototype> {
  const auth = await clientAuthentication(input, ['certificate']);
  const { client_dns_server_ips: dns, ...rest } = commonFields(input);
  return {
    ...rest,
    client_ip_pool: input.clientIpPool,
    client_authentication: auth ?? [],
    ...(dns ? { client_dns_server_ips: dns } : {}),
    ...(input.sg ? { security_groups: input.sg.map((id) => ({ id })) } : {}),
  };
}

export async function run(ctx: Context, input: CreateInput): Promise<void> {
  const prototype = await prototypeOf(input);
  const client = await ctx.client();
  const progress = !input.quiet && !wantsJson(input);
  if (progress) {
    const me = await ctx.me();
    ctx.line(`Creating VPN server${input.name ? ` ${input.name}` : ''} under account ${me.account_id} as user ${me.name}...`);
  }
  const { value: server } = await client.createVpnServer(prototype);
  if (wantsJson(input)) return ctx.json(server);
  if (progress) ctx.line('OK');
  ctx.out(serverFields(server));
}
