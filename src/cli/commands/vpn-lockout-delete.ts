import type { Context } from '../context.ts';

/** Lifts lockouts: the user or address may try again at once. */
export async function run(ctx: Context, input: { ids: string[] }): Promise<void> {
  const client = await ctx.client();
  for (const id of input.ids) {
    await client.deleteVpnLockout(id);
    ctx.line(`Lockout ${id} was lifted.`);
  }
}
