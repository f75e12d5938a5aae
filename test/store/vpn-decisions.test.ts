import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authorizeVpnClient, type VpnAuthDecision } from '../../src/domain/vpn-access/authorize.ts';
import { openStore } from '../../src/store/database.ts';
import type { DomainContext } from '../../src/domain/context.ts';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness, type Harness } from '../support/app-harness.ts';

/**
 * A server's facts are kept between decisions; every change that matters to a decision must be
 * seen by the very next one. The harness's clock stands still, so nothing here expires by age: a
 * change is seen only because it was told.
 */
for (const dialect of testDialects()) {
  describe(`decisions see server changes at once (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(dialect);
    });
    after(() => h.close());

    let port = 1300;
    const ok = async <T = Record<string, unknown>>(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<T & { etag: string }> => {
      const response = await h.call(method, url, { body, ...(headers && { headers }) });
      assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
      return { ...(response.body === '' ? ({} as T) : json<T>(response)), etag: String(response.headers.etag) };
    };
    const newCa = (name: string) => ok<{ crn: string }>('POST', '/v1/certificates', { kind: 'ca', common_name: name });
    const newClientCert = (caCrn: string, name: string) => ok<{ id: string; serial: string }>('POST', '/v1/certificates', { kind: 'client', common_name: name, issuer: { crn: caCrn } });
    const newServer = (caCrn: string) =>
      ok<{ id: string }>('POST', '/v1/vpn_servers', { port: (port += 1), client_ip_pool: '10.71.0.0/16', client_authentication: [{ method: 'certificate', client_ca: { crn: caCrn } }] });
    const decide = (ctx: DomainContext, serverId: string, certSerial: string): Promise<VpnAuthDecision> =>
      authorizeVpnClient(ctx, h.identity, { serverId, username: undefined, password: undefined, reauth: false, sessionKey: undefined, certSerial });

    /** A server taking certificates of a new CA, and one it lets in: a decision has read (and kept) its facts. */
    const serverLettingIn = async (name: string) => {
      const ca = await newCa(`${name}-ca`);
      const server = await newServer(ca.crn);
      const cert = await newClientCert(ca.crn, name);
      assert.deepEqual(await decide(h.ctx, server.id, cert.serial), { allow: true });
      return { server, cert };
    };

    test('a server update (certificate → username) counts for the next decision', async () => {
      const { server, cert } = await serverLettingIn('alice');
      await ok('PATCH', `/v1/vpn_servers/${server.id}`, { client_authentication: [{ method: 'username' }] }, { 'if-match': server.etag });
      assert.deepEqual(await decide(h.ctx, server.id, cert.serial), { allow: false, reason: 'user ID and passcode are required' });
    });

    test('a change of client CA counts for the next decision', async () => {
      const [first, second] = [await newCa('first-ca'), await newCa('second-ca')];
      const server = await newServer(first.crn);
      const revoked = await newClientCert(second.crn, 'bob');
      await ok('POST', `/v1/certificates/${revoked.id}/revoke`, {});
      // Under the first CA the serial is unknown, hence not Sluice's to refuse.
      assert.deepEqual(await decide(h.ctx, server.id, revoked.serial), { allow: true });
      await ok('PATCH', `/v1/vpn_servers/${server.id}`, { client_authentication: [{ method: 'certificate', client_ca: { crn: second.crn } }] }, { 'if-match': server.etag });
      assert.deepEqual(await decide(h.ctx, server.id, revoked.serial), { allow: false, reason: 'certificate is revoked' });
    });

    test('a deleted server lets nobody in from the next decision on', async () => {
      const { server, cert } = await serverLettingIn('carol');
      await ok('DELETE', `/v1/vpn_servers/${server.id}`);
      assert.deepEqual(await decide(h.ctx, server.id, cert.serial), { allow: false, reason: 'VPN server is being deleted' });
    });

    test('decisions at once read their certificates together and each gets its own verdict', async () => {
      const ca = await newCa('crowd-ca');
      const server = await newServer(ca.crn);
      const certs = await Promise.all(Array.from({ length: 12 }, (_, i) => newClientCert(ca.crn, `crowd-${i}`)));
      for (const cert of certs.filter((_, i) => i % 3 === 0)) await ok('POST', `/v1/certificates/${cert.id}/revoke`, {});
      const decisions = await Promise.all(certs.map((cert) => decide(h.ctx, server.id, cert.serial)));
      assert.deepEqual(
        decisions,
        certs.map((_, i) => (i % 3 === 0 ? { allow: false, reason: 'certificate is revoked' } : { allow: true })),
      );
    });

    test('a revoked certificate is refused by the next decision', async () => {
      const { server, cert } = await serverLettingIn('dave');
      await ok('POST', `/v1/certificates/${cert.id}/revoke`, {});
      assert.deepEqual(await decide(h.ctx, server.id, cert.serial), { allow: false, reason: 'certificate is revoked' });
    });

    if (dialect === 'postgres') {
      test('another replica keeps the facts until the change feed announces a change, then reads them anew', async () => {
        const ca = await newCa('replica-ca');
        const server = await newServer(ca.crn);
        const cert = await newClientCert(ca.crn, 'erin');
        const other = await openStore(h.databaseUrl);
        try {
          const replica: DomainContext = { ...h.ctx, store: other };
          assert.deepEqual(await decide(replica, server.id, cert.serial), { allow: true });
          const stored = await other.db.selectFrom('vpn_servers').select('client_authentication').where('id', '=', server.id).executeTakeFirstOrThrow();
          const setAuthentication = (text: string) => other.db.updateTable('vpn_servers').set({ client_authentication: text }).where('id', '=', server.id).execute();
          // The replica keeps facts once its feed listens; then a change nobody announces stays unseen…
          await waitFor('the replica to keep the facts', async () => {
            await setAuthentication(stored.client_authentication);
            await decide(replica, server.id, cert.serial);
            await setAuthentication('[{"method":"username"}]');
            return (await decide(replica, server.id, cert.serial)).allow;
          });
          // …until the replica that changed it announces it, as the gateway link does after each change.
          await h.store.changes.publish(h.store.db, 'servers', server.id);
          await waitFor('the replica to see the change', async () => !(await decide(replica, server.id, cert.serial)).allow);
        } finally {
          await other.close();
        }
      });
    }
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
