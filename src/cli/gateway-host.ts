import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError } from '../config/values.ts';
import { GATEWAY_OPTIONS, loadGatewayConfig, type GatewayOption } from '../config/gateway-config.ts';
import { GatewayHostError } from '../gateway/host/join.ts';
import { startGatewayHost } from '../gateway/host/run.ts';
import { SLUICE_VERSION } from '../gateway/host/version.ts';

const USAGE = `usage: sluice gateway --control-plane URL [--join-token TOKEN] [--data-dir DIR] [--ca-file PEM]
                      [--dataplane nftables|none] [--openvpn-args "ARGS"] ...
Every flag has an environment variable: ${Object.values(GATEWAY_OPTIONS).join(', ')}.`;

/** `sluice gateway`: run this host's VPN servers for a control plane elsewhere. Returns the exit code. */
export async function gatewayFromCommandLine(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let flags: Partial<Record<GatewayOption, string>>;
  try {
    const options = Object.fromEntries(Object.keys(GATEWAY_OPTIONS).map((name) => [name, { type: 'string' as const }]));
    const parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    if (parsed.values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    flags = parsed.values as Partial<Record<GatewayOption, string>>;
  } catch (error) {
    process.stderr.write(`sluice gateway: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  let config;
  try {
    config = loadGatewayConfig(flags, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`sluice gateway: ${error.message}\n`);
    return 2;
  }
  const log = pino({ level: config.logLevel, redact: ['credential', 'join_token', 'joinToken'] });
  let running;
  try {
    running = await startGatewayHost({ ...config, version: SLUICE_VERSION }, log);
  } catch (error) {
    if (!(error instanceof GatewayHostError)) throw error;
    process.stderr.write(`sluice gateway: ${error.message}\n`);
    return 1;
  }
  const outcome = await new Promise<{ refused?: string }>((resolve) => {
    const stop = (): void => resolve({});
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    void running.refused.then((reason) => resolve({ refused: reason }));
  });
  await running.close();
  if (outcome.refused === undefined) return 0;
  process.stderr.write(`sluice gateway: the control plane refused this gateway (${outcome.refused}); enrol it again with \`sluice gateway-join-token\`\n`);
  return 1;
}
