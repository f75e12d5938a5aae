import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, VERSION } from '../support/app-harness.ts';
import { SECURITY_HEADERS } from '../../src/server/security-headers.ts';

// src/server/security-headers.test.ts holds the headers to helmet's; this holds the app to them.
test('answers of the app — a page, a refusal, an unknown path, the OpenAPI document — carry every security header', async () => {
  const h = await startHarness('sqlite');
  try {
    const answers = [
      await h.call('GET', `/v1/vpn_servers?${VERSION}`),
      await h.call('GET', `/v1/vpn_servers?${VERSION}`, { token: null }),
      await h.call('GET', '/no/such/path'),
      await h.call('GET', '/openapi.json'),
    ];
    assert.deepEqual(answers.map((a) => a.statusCode), [200, 401, 404, 200]);
    for (const answer of answers) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(answer.headers[name], value, `${name} of a ${answer.statusCode}`);
    }
  } finally {
    await h.close();
  }
});
