import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { describeError, EXIT_OK, EXIT_USAGE, exitCodeOf } from './errors.ts';
import { processIo, type Io } from './io.ts';
import { buildProgram } from './program.ts';

/** Verbs owned by the server side; their flags never reach the CLI parser. */
async function serve(args: string[], io: Io): Promise<number> {
  const { serveFromCommandLine } = await import('../server/serve.ts');
  return serveFromCommandLine(args, io.env);
}

/** `sluice gateway`: this host runs VPN servers for a control plane elsewhere. */
async function gatewayHost(args: string[], io: Io): Promise<number> {
  const { gatewayFromCommandLine } = await import('./gateway-host.ts');
  return gatewayFromCommandLine(args, io.env);
}

/**
 * Runs `sluice ARGS` and returns the exit code: 0 ok, 1 failed or cancelled, 2 usage. Errors are
 * printed as one line; the stack trace only with --debug.
 */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  if (argv[0] === 'serve') return serve(argv.slice(1), io);
  if (argv[0] === 'gateway') return gatewayHost(argv.slice(1), io);
  const debug = argv.includes('--debug');
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    // Commander has already printed the problem and the verb's usage.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    io.stderr.write(`${describeError(error, debug)}\n`);
    if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return exitCodeOf(error);
  }
}

const invokedDirectly = (): boolean => {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
};

if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => void (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`FAILED ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
