import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { errorCatalogue } from '../../src/errors/catalogue.ts';

const DOC = fileURLToPath(new URL('../../docs/errors.md', import.meta.url));

function render(): string {
  const rows = Object.entries(errorCatalogue).map(([code, { status, summary }]) => `| <a id="${code}"></a>\`${code}\` | ${status} | ${summary} |`);
  return [
    '# Error codes',
    '',
    'Every error answer has the reference body `{"errors":[{"code","message","more_info","target"}],"trace","status_code"}`.',
    '`trace` is the request id, also logged by the server. Codes are stable: they are added, never renamed.',
    'This page is checked against `src/errors/catalogue.ts` by `test/errors/catalogue.test.ts`.',
    '',
    '| code | HTTP status | meaning |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

test('docs/errors.md lists exactly the catalogue (SLUICE_UPDATE_GOLDEN=1 rewrites it)', () => {
  const expected = render();
  if (process.env.SLUICE_UPDATE_GOLDEN === '1' || !existsSync(DOC)) writeFileSync(DOC, expected);
  assert.equal(readFileSync(DOC, 'utf8'), expected);
});

test('codes are snake_case and statuses are 4xx or 5xx', () => {
  for (const [code, { status }] of Object.entries(errorCatalogue)) {
    assert.match(code, /^[a-z]+(_[a-z]+)*$/);
    assert.ok(status >= 400 && status < 600, code);
  }
});

test('the server serves the catalogue that more_info links into', async () => {
  const { startHarness } = await import('../support/app-harness.ts');
  const h = await startHarness('sqlite');
  try {
    const doc = await h.call('GET', '/errors', { token: null });
    assert.equal(doc.statusCode, 200);
    assert.equal(doc.body, readFileSync(DOC, 'utf8'));
    const error = JSON.parse((await h.call('GET', '/v1/vpn_servers/r001-missing')).body) as { errors: { code: string; more_info: string }[] };
    assert.equal(error.errors[0]?.more_info, 'http://localhost/errors#not_found');
    assert.ok(doc.body.includes('<a id="not_found"></a>'));
  } finally {
    await h.close();
  }
});
