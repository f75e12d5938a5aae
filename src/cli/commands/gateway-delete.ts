import { DELETE_GATEWAY, runConfirmed } from '../confirmed.ts';
import type { Context } from '../context.ts';
import { resolveGatewayId } from '../resolve.ts';

/** Deletes gateways: their credentials stop working and their live connections end. */
export async function run(ctx: Context, input: { gateways: string[]; force: boolean; quiet: boolean }): Promise<void> {
  const client = await ctx.client();
  await runConfirmed(ctx, DELETE_GATEWAY, input.gateways, input, async (gateway) => client.deleteGateway(await resolveGatewayId(client, gateway)));
}
