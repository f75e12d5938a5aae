import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/database.ts';
import { saveServerGatewayState, serverGatewayStates, setGatewayReachable, setGatewayUnreachable } from '../../src/store/server-gateway-states.ts';
import { freshDatabase, testDialects } from '../support/dialects.ts';

for (const dialect of testDialects()) {
  test(`a gateway's server states: gone, back as the same run, back as a new run (${dialect})`, async () => {
    const database = await freshDatabase(dialect);
    const store = await openStore(database.url);
    try {
      const ok = { lifecycle: 'stable', health: 'ok', reasons: [], reportedAt: 1 };
      await saveServerGatewayState(store.db, { vpnServerId: 's1', gatewayId: 'gw-a', reachable: true, instance: 'run-1', ...ok });
      await saveServerGatewayState(store.db, { vpnServerId: 's1', gatewayId: 'gw-b', reachable: true, instance: 'run-9', ...ok });
      const of = async (gatewayId: string) => (await serverGatewayStates(store.db, 's1')).find((s) => s.gatewayId === gatewayId);

      assert.deepEqual(await setGatewayUnreachable(store.db, 'gw-a'), ['s1']);
      assert.equal((await of('gw-a'))?.reachable, false);
      assert.equal((await of('gw-b'))?.reachable, true, 'the other gateway is untouched');

      // A blip: the same process run comes back; what it said still holds.
      await setGatewayReachable(store.db, 'gw-a', 'run-1');
      assert.deepEqual(await of('gw-a'), { vpnServerId: 's1', gatewayId: 'gw-a', reachable: true, instance: 'run-1', ...ok });

      // A restart: until the new run reports, its servers are pending there, not ok.
      await setGatewayUnreachable(store.db, 'gw-a');
      assert.deepEqual(await setGatewayReachable(store.db, 'gw-a', 'run-2'), ['s1']);
      const restarted = await of('gw-a');
      assert.equal(restarted?.lifecycle, 'pending');
      assert.equal(restarted?.health, 'inapplicable');
      assert.equal(restarted?.reachable, true);
      assert.equal(restarted?.instance, 'run-2');
    } finally {
      await store.close();
      await database.drop();
    }
  });
}
