import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';

/**
 * Replaces what differs run to run (ids, times, keys, PEM bodies, ports) with stable placeholders,
 * so a golden file pins the shape and every stable value of a response.
 */
export function normalise(value: unknown): unknown {
  const text = JSON.stringify(value)
    .replace(/r001-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '<time>')
    .replace(/a\/[0-9a-f]{32}/g, 'a/<account>')
    .replace(/-----BEGIN ([A-Z ]+)-----[^-]+-----END [A-Z ]+-----/g, '<pem $1>')
    .replace(/start=[A-Za-z0-9_-]+/g, 'start=<token>')
    .replace(/"(access_token|refresh_token)":"[^"]+"/g, '"$1":"<token>"')
    .replace(/"expiration":\d+/g, '"expiration":<unix>')
    .replace(/"serial":"[0-9a-f]+"/g, '"serial":"<serial>"');
  return JSON.parse(text);
}

/** Compares with the checked-in sample; SLUICE_UPDATE_GOLDEN=1 rewrites it instead. */
export function assertGolden(file: string, actual: unknown): void {
  const normalised = normalise(actual);
  if (process.env.SLUICE_UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI === 'true' && !existsSync(file)) assert.fail(`golden file ${file} is missing`);
    writeFileSync(file, `${JSON.stringify(normalised, null, 2)}\n`);
    return;
  }
  assert.deepEqual(normalised, JSON.parse(readFileSync(file, 'utf8')), `response differs from ${file} (SLUICE_UPDATE_GOLDEN=1 to accept)`);
}
