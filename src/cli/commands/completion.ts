import type { Command } from 'commander';
import { bashCompletion, zshCompletion } from '../completion.ts';
import type { Context } from '../context.ts';

export async function run(ctx: Context, input: { shell: 'bash' | 'zsh'; program: Command }): Promise<void> {
  ctx.out(input.shell === 'bash' ? bashCompletion(input.program) : zshCompletion(input.program));
}
