import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditWriter } from '../../src/domain/audit/writer.ts';
import type { AuditEvent } from '../../src/domain/audit/model.ts';
import { newId } from '../../src/domain/shared/ids.ts';
import { listAuditEvents } from '../../src/store/audit-events.ts';
import { openStore } from '../../src/store/database.ts';
import { freshDatabase, testDialects } from '../support/dialects.ts';

const event = (i: number): AuditEvent => ({
  id: newId(),
  at: 1_800_000_000_000 + i,
  requestId: `0000000${i}`,
  operation: 'disconnect_vpn_client',
  method: 'POST',
  path: '/v1/x',
  target: { type: 'vpn_server_client', id: `c${i}`, vpnServerId: 's' },
  actor: { userId: 'u', userName: 'admin', apiKeyId: 'k', address: '127.0.0.1' },
  outcome: 'succeeded',
  statusCode: 202,
  errorCode: null,
});

for (const dialect of testDialects()) {
  describe(`audit writer (${dialect})`, () => {
    test('concurrent calls share inserts (group commit), and each caller resumes only once its event is stored', async () => {
      const database = await freshDatabase(dialect);
      let inserts = 0;
      const store = await openStore(database.url, { observe: (kind) => void (kind === 'insert' && inserts++) });
      try {
        const writer = new AuditWriter(() => store.db);
        inserts = 0;
        await Promise.all(Array.from({ length: 200 }, (_, i) => writer.write(event(i)).then(async () => {
          const stored = await listAuditEvents(store.db, { target: `c${i}` }, { column: 'at', direction: 'desc' }, 1, undefined);
          assert.equal(stored.items.length, 1, `event ${i} stored when its write resolved`);
        })));
        assert.ok(inserts <= 2, `${inserts} inserts for 200 events`);
        inserts = 0;
        await writer.write(event(999));
        assert.equal(inserts, 1, 'a lone event is written by itself');
        assert.equal((await listAuditEvents(store.db, {}, { column: 'at', direction: 'desc' }, 1, undefined)).totalCount, 201);
      } finally {
        await store.close();
        await database.drop();
      }
    });

    test('an event the store refuses fails its own caller only', async () => {
      const database = await freshDatabase(dialect);
      const store = await openStore(database.url);
      try {
        const writer = new AuditWriter(() => store.db);
        const same = event(1);
        await writer.write(same);
        const results = await Promise.allSettled([writer.write(same), writer.write(event(2))]);
        assert.deepEqual(results.map((r) => r.status), ['rejected', 'fulfilled']);
        assert.equal((await listAuditEvents(store.db, {}, { column: 'at', direction: 'desc' }, 10, undefined)).totalCount, 2);
      } finally {
        await store.close();
        await database.drop();
      }
    });
  });
}
