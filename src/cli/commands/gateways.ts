import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { gatewaysTable } from '../format/resources.ts';

/** The gateway hosts that run VPN servers (Sluice). */
export async function run(ctx: Context, input: { output: string | undefined }): Promise<void> {
  const gateways = await (await ctx.client()).listAllGateways();
  if (wantsJson(input)) return ctx.json(gateways);
  if (gateways.length === 0) return ctx.line('No gateways were found.');
  ctx.out(gatewaysTable(gateways));
}
