import type { Context } from '../context.ts';
import { wantsJson } from '../context.ts';
import { localTime } from '../format/time.ts';

/** Prints only the passcode on stdout so it can be piped into an OpenVPN credentials file. */
export async function run(ctx: Context, input: { output: string | undefined }): Promise<void> {
  const passcode = await (await ctx.client()).createPasscode();
  if (wantsJson(input)) return ctx.json(passcode);
  ctx.line(passcode.passcode);
  if (ctx.io.stderr.isTTY) ctx.err(`One-time passcode; valid until ${localTime(passcode.expires_at)} for a single connection.`);
}
