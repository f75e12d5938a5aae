import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { gatewayFields, joinTokenFields } from '../format/resources.ts';

export interface GatewayCreateInput {
  name: string;
  host: string;
  portRange: { min: number; max: number } | undefined;
  labels: Record<string, string> | undefined;
  subnet: string | undefined;
  output: string | undefined;
  quiet: boolean;
}

/** Registers a gateway and prints its join token, which the API shows only this once. */
export async function run(ctx: Context, input: GatewayCreateInput): Promise<void> {
  const client = await ctx.client();
  const progress = !input.quiet && !wantsJson(input);
  if (progress) {
    const me = await ctx.me();
    ctx.line(`Creating gateway ${input.name} under account ${me.account_id} as user ${me.name}...`);
  }
  const gateway = await client.createGateway({
    name: input.name,
    host: input.host,
    ...(input.portRange && { port_range: input.portRange }),
    ...(input.labels && { labels: input.labels }),
    ...(input.subnet !== undefined && { subnet: { id: input.subnet } }),
  });
  if (wantsJson(input)) return ctx.json(gateway);
  if (progress) ctx.line('OK');
  const { join_token: joinToken, ...shown } = gateway;
  ctx.out(gatewayFields(shown));
  if (joinToken) ctx.out(joinTokenFields(joinToken));
}
