import type { Context } from './context.ts';
import { CliError, describeError } from './errors.ts';
import { confirm } from './prompt.ts';

/** Wording of one destructive verb, in the reference's shape. */
export interface Wording {
  /** `disconnect` / `delete` — used in the prompt. */
  verb: string;
  /** `VPN client`, `VPN server`, `VPN server route`. */
  noun: string;
  /** `Disconnect` / `Deleting` — the progress line's first word. */
  progress: string;
  /** `Disconnection` / `Deletion`. */
  request: string;
}

export const DISCONNECT_CLIENT: Wording = { verb: 'disconnect', noun: 'VPN client', progress: 'Disconnect', request: 'Disconnection' };
export const DELETE_CLIENT: Wording = { verb: 'delete', noun: 'VPN client', progress: 'Deleting', request: 'Deletion' };
export const DELETE_SERVER: Wording = { verb: 'delete', noun: 'VPN server', progress: 'Deleting', request: 'Deletion' };
export const DELETE_GATEWAY: Wording = { verb: 'delete', noun: 'gateway', progress: 'Deleting', request: 'Deletion' };
export const DELETE_ROUTE: Wording = { verb: 'delete', noun: 'VPN server route', progress: 'Deleting', request: 'Deletion' };

export interface ConfirmOptions {
  force?: boolean;
  quiet?: boolean;
}

const plural = (noun: string, count: number): string => (count === 1 ? noun : `${noun}s`);

/** One prompt covering every target, unless `-f`. */
export async function confirmTargets(ctx: Context, wording: Wording, targets: readonly string[], options: ConfirmOptions): Promise<void> {
  if (options.force) return;
  const list = targets.join(', ');
  await confirm(ctx.io, `This will ${wording.verb} ${plural(wording.noun, targets.length)} ${list} and cannot be undone.`, `refusing to ${wording.verb} ${plural(wording.noun, targets.length)} ${list} without confirmation`);
}

/**
 * The reference's session for each target: progress line (account, user), the call, `OK`, and the
 * acceptance line. A failure is reported and the rest still run; the exit code says if any failed.
 */
export async function runConfirmed(ctx: Context, wording: Wording, targets: readonly string[], options: ConfirmOptions, perform: (target: string) => Promise<void>): Promise<void> {
  await confirmTargets(ctx, wording, targets, options);
  const me = options.quiet ? undefined : await ctx.me();
  let failed = 0;
  for (const target of targets) {
    if (me) ctx.line(`${wording.progress} ${wording.noun} ${target} under account ${me.account_id} as user ${me.name}...`);
    try {
      await perform(target);
    } catch (error) {
      // A single target's error is the command's error: main prints it once.
      if (targets.length === 1) throw error;
      failed++;
      ctx.err(describeError(error, ctx.debug));
      continue;
    }
    if (me) ctx.line('OK');
    ctx.line(`${wording.request} request for ${wording.noun} ${target} has been accepted.`);
  }
  if (failed > 0) throw new CliError(`${failed} of ${targets.length} ${plural(wording.noun, targets.length)} could not be ${wording.verb === 'disconnect' ? 'disconnected' : 'deleted'}`);
}
