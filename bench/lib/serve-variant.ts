/**
 * `sluice serve` with its observability on (as shipped) or off (no metrics collection, no audit
 * trail), to measure what they cost. Same flags and environment as `sluice serve`:
 *   node --import tsx bench/lib/serve-variant.ts on|off [--listen …] [--data-dir …] …
 */
import { parseArgs } from 'node:util';
import { SERVE_OPTIONS, loadServeConfig } from '../../src/config/serve-config.ts';
import { startSluice } from '../../src/server/serve.ts';

const [mode, ...args] = process.argv.slice(2);
if (mode !== 'on' && mode !== 'off') throw new Error('usage: serve-variant.ts on|off [serve flags]');
const options = Object.fromEntries(Object.keys(SERVE_OPTIONS).map((name) => [name, { type: 'string' as const }]));
const { values } = parseArgs({ args, options, strict: true });
const config = loadServeConfig(values, process.env);
if (mode === 'off') {
  config.metrics = false;
  config.audit = false;
}
const running = await startSluice(config, process.env);
process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
