import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSluice } from '../support/sluice-process.ts';
import { TestApi } from '../support/api-client.ts';
import { eventually } from '../support/openvpn-client.ts';

test('without an openvpn binary a server is failed, and the reason says why', async () => {
  const sluice = await startSluice({ env: { SLUICE_OPENVPN_BINARY: '/nonexistent/openvpn' } });
  try {
    const api = await new TestApi(sluice.url, sluice.adminApiKey).login();
    const server = await api.ok('POST', '/v1/vpn_servers', { port: 1194, client_ip_pool: '10.90.0.0/20', client_authentication: [{ method: 'certificate' }] });
    const failed = await eventually('lifecycle failed', async () => {
      const s = await api.ok('GET', `/v1/vpn_servers/${server.id}`);
      return s.lifecycle_state === 'failed' ? s : undefined;
    });
    assert.equal(failed.health_state, 'faulted');
    assert.equal(failed.lifecycle_reasons[0].code, 'openvpn_failed_to_start');
    assert.match(failed.lifecycle_reasons[0].message, /ENOENT/);
  } finally {
    await sluice.stop();
  }
});
