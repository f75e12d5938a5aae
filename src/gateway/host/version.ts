import { readFileSync } from 'node:fs';

/**
 * Sluice's version, from its package.json (three levels up from both src/ and dist/), reported by
 * a gateway when it connects so an operator sees which hosts still run an older one.
 */
export const SLUICE_VERSION: string = (() => {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
})();
