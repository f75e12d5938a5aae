import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSluice, type SluiceProcess } from '../support/sluice-process.ts';
import { freshDatabase, testDialects, type TestDatabase } from '../support/dialects.ts';
import { TestApi } from '../support/api-client.ts';
import { eventually, freeUdpPort, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';
import { realOpenVpnSkipReason } from '../support/real-openvpn.ts';
import { Pager, VpcVpnServersClient, type Json, type SdkError, type SdkResponse } from './vpc-sdk-client.ts';
import {
  ErrorContainer,
  VPNServer,
  VPNServerClient,
  VPNServerClientCollection,
  VPNServerCollection,
  VPNServerRoute,
  VPNServerRouteCollection,
  conformance,
  type Model,
} from './reference-model.ts';

/**
 * IBM's SDK core (request layer, IamAuthenticator, error parsing) against a real `sluice serve`
 * with real OpenVPN: every one of the reference's 15 VPN-server operations, made the way IBM's
 * generated VPC SDK makes them, answered in the reference's models.
 */

const assertModel = (model: Model, value: unknown, what: string): void => assert.deepEqual(conformance(model, value), [], `${what} does not match the reference's ${model.name}`);

/** The rejection of an SDK call, which must be a reference error body with `status`. */
async function sdkError(call: Promise<unknown>): Promise<SdkError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e as SdkError,
  );
  assert.ok(error, 'the call was expected to fail');
  assertModel(ErrorContainer, error.result, `error ${error.status}`);
  assert.equal(error.message, error.result.errors[0]?.message, 'the SDK core reads the message from errors[0]');
  return error;
}

async function untilStable(client: VpcVpnServersClient, id: string): Promise<SdkResponse<Json>> {
  return eventually(`VPN server ${id} stable`, async () => {
    const response = await client.getVpnServer({ id });
    return response.result.lifecycle_state === 'stable' ? response : undefined;
  }, 30_000, 100);
}

const skip = realOpenVpnSkipReason();

for (const dialect of testDialects()) {
  describe(`IBM SDK core against sluice serve (${dialect})`, { skip }, () => {
    let sluice: SluiceProcess;
    let database: TestDatabase | undefined;
    let client: VpcVpnServersClient;
    let api: TestApi;
    let pki: { serverCrn: string; caCrn: string };
    const vpnClients: VpnClientProcess[] = [];

    before(async () => {
      database = dialect === 'postgres' ? await freshDatabase('postgres') : undefined;
      sluice = await startSluice({ env: database ? { SLUICE_DATABASE_URL: database.url } : {} });
      client = VpcVpnServersClient.withApiKey({ serviceUrl: `${sluice.url}/v1`, iamUrl: sluice.url, apikey: sluice.adminApiKey });
      api = await new TestApi(sluice.url, sluice.adminApiKey).login();
      // The reference takes certificates by CRN from its certificate manager; Sluice's is built in.
      const ca = await api.ok('POST', '/v1/certificates', { kind: 'ca', name: 'compat-client-ca', common_name: 'Compat client CA' });
      const serverCert = await api.ok('POST', '/v1/certificates', { kind: 'server', name: 'compat-server', common_name: 'vpn.compat.test', issuer: { crn: ca.crn } });
      pki = { serverCrn: serverCert.crn, caCrn: ca.crn };
    });

    after(async () => {
      await Promise.all(vpnClients.map((c) => c.stop()));
      await sluice?.stop();
      await database?.drop();
    });

    const prototype = async (name: string) => ({
      certificate: { crn: pki.serverCrn },
      clientAuthentication: [{ method: 'certificate', client_ca: { crn: pki.caCrn } }],
      clientIpPool: '172.20.0.0/22',
      subnets: [{ id: 'local' }],
      clientDnsServerIps: [{ address: '192.0.2.53' }],
      clientIdleTimeout: 600,
      enableSplitTunneling: true,
      name,
      port: await freeUdpPort(),
      protocol: 'udp',
    });

    test('the SDK core sends Content-Type: application/json on every POST, also without a body', () => {
      // The premise of the body-less POST fix, read from the SDK core this suite runs on.
      assert.equal(client.getHttpClient().defaults.headers.post['Content-Type'], 'application/json');
    });

    test('the model catches a VPN server without private_ips[].href and name', async () => {
      const created = await client.createVpnServer({ ...(await prototype('model-check')), clientIpPool: '172.21.0.0/22' });
      const server = created.result;
      assertModel(VPNServer, server, 'createVpnServer');
      const before = { ...server, private_ips: (server.private_ips as Json[]).map(({ id, address, resource_type }) => ({ id, address, resource_type })) };
      assert.deepEqual(conformance(VPNServer, before).sort(), ['VPNServer.private_ips[0].href is missing (required by ReservedIPReference)', 'VPNServer.private_ips[0].name is missing (required by ReservedIPReference)']);
      await client.deleteVpnServer({ id: String(server.id) });
    });

    test('all 15 VPN-server operations pass through the SDK core in the reference models', async () => {
      // createVpnServer, getVpnServer, listVpnServers (paged through next.href), updateVpnServer
      const created = await client.createVpnServer(await prototype('compat-one'));
      assert.equal(created.status, 201);
      assert.ok(created.headers.etag, 'createVpnServer answers an ETag');
      assertModel(VPNServer, created.result, 'createVpnServer');
      const id = String(created.result.id);
      const second = await client.createVpnServer({ ...(await prototype('compat-two')), clientIpPool: '172.22.0.0/22' });
      const stable = await untilStable(client, id);
      assertModel(VPNServer, stable.result, 'getVpnServer');
      assert.ok(stable.headers.etag);

      const serverPager = new Pager((p: { start?: string; limit?: number; sort?: string }) => client.listVpnServers(p), 'vpn_servers', { limit: 1, sort: 'name' });
      const servers = await serverPager.getAll();
      assert.ok(serverPager.pages.length >= 2, 'limit=1 over two servers takes more than one page');
      for (const page of serverPager.pages) assertModel(VPNServerCollection, page, 'listVpnServers page');
      assert.ok(servers.some((s) => s.id === id) && servers.some((s) => s.id === second.result.id), 'the pager reached every server');
      const byName = await client.listVpnServers({ name: 'compat-two' });
      assert.deepEqual((byName.result.vpn_servers as Json[]).map((s) => s.id), [second.result.id]);

      const updated = await client.updateVpnServer({ id, name: 'compat-renamed', ifMatch: stable.headers.etag });
      assert.equal(updated.status, 200);
      assertModel(VPNServer, updated.result, 'updateVpnServer');
      assert.equal(updated.result.name, 'compat-renamed');

      // getVpnServerClientConfiguration: text/plain
      const profile = await client.getVpnServerClientConfiguration({ id });
      assert.equal(typeof profile.result, 'string');
      assert.match(profile.result, /^client$/m);
      assert.match(profile.result, /<ca>[\s\S]+<\/ca>/);

      // createVpnServerRoute, listVpnServerRoutes (paged), getVpnServerRoute, updateVpnServerRoute, deleteVpnServerRoute
      const routes: Json[] = [];
      for (const [n, destination] of ['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16'].entries()) {
        const route = await client.createVpnServerRoute({ vpnServerId: id, destination, action: n === 2 ? 'drop' : 'deliver', name: `route-${n}` });
        assert.equal(route.status, 201);
        assertModel(VPNServerRoute, route.result, 'createVpnServerRoute');
        routes.push(route.result);
      }
      const routePager = new Pager((p: { start?: string; limit?: number }) => client.listVpnServerRoutes({ vpnServerId: id, ...p }), 'routes', { limit: 2 });
      const listedRoutes = await routePager.getAll();
      assert.equal(routePager.pages.length, 2);
      for (const page of routePager.pages) assertModel(VPNServerRouteCollection, page, 'listVpnServerRoutes page');
      assert.deepEqual(listedRoutes.map((r) => r.id).sort(), routes.map((r) => r.id).sort());
      const route = routes[0] as Json;
      assertModel(VPNServerRoute, (await client.getVpnServerRoute({ vpnServerId: id, id: String(route.id) })).result, 'getVpnServerRoute');
      const renamed = await client.updateVpnServerRoute({ vpnServerId: id, id: String(route.id), name: 'to-office' });
      assertModel(VPNServerRoute, renamed.result, 'updateVpnServerRoute');
      assert.equal(renamed.result.name, 'to-office');
      assert.equal((await client.deleteVpnServerRoute({ vpnServerId: id, id: String(route.id) })).status, 202);
      assert.equal((await sdkError(client.getVpnServerRoute({ vpnServerId: id, id: String(route.id) }))).status, 404);

      // Two real OpenVPN sessions for the client operations.
      for (const commonName of ['alice', 'bob']) {
        const issued = await api.call('POST', `/v1/vpn_servers/${id}/client_profile`, { common_name: commonName });
        assert.equal(issued.status, 200, issued.text);
        const vpn = startVpnClient(issued.text);
        vpnClients.push(vpn);
        await vpn.connected();
      }
      const sessions = await eventually('both sessions listed', async () => {
        const page = await client.listVpnServerClients({ vpnServerId: id, limit: 10 });
        const listed = page.result.clients as Json[];
        return listed.filter((c) => c.status === 'connected').length === 2 ? page : undefined;
      });
      assertModel(VPNServerClientCollection, sessions.result, 'listVpnServerClients');
      const clientPager = new Pager((p: { start?: string; limit?: number }) => client.listVpnServerClients({ vpnServerId: id, ...p }), 'clients', { limit: 1 });
      assert.equal((await clientPager.getAll()).length, 2);
      assert.equal(clientPager.pages.length, 2);
      const listed = sessions.result.clients as Json[];
      const alice = listed.find((c) => c.common_name === 'alice') as Json;
      const bob = listed.find((c) => c.common_name === 'bob') as Json;
      assertModel(VPNServerClient, (await client.getVpnServerClient({ vpnServerId: id, id: String(alice.id) })).result, 'getVpnServerClient');

      // disconnectVpnClient: a body-less POST with the SDK core's Content-Type: application/json.
      const disconnected = await client.disconnectVpnClient({ vpnServerId: id, id: String(alice.id) });
      assert.equal(disconnected.status, 202);
      const ended = await eventually('alice disconnected', async () => {
        const response = await client.getVpnServerClient({ vpnServerId: id, id: String(alice.id) });
        return response.result.status === 'disconnected' ? response.result : undefined;
      }, 20_000);
      assertModel(VPNServerClient, ended, 'getVpnServerClient (disconnected)');
      assert.ok(ended.disconnected_at, 'a disconnected client has disconnected_at');

      // deleteVpnServerClient: the record goes at once.
      assert.equal((await client.deleteVpnServerClient({ vpnServerId: id, id: String(bob.id) })).status, 202);
      assert.equal((await sdkError(client.getVpnServerClient({ vpnServerId: id, id: String(bob.id) }))).status, 404);

      // deleteVpnServer
      for (const server of [id, String(second.result.id)]) assert.equal((await client.deleteVpnServer({ id: server })).status, 202);
      await eventually('both servers gone', async () => {
        const page = await client.listVpnServers({ limit: 100 });
        return (page.result.vpn_servers as Json[]).some((s) => s.id === id || s.id === second.result.id) ? undefined : true;
      }, 20_000);
    });

    test('Terraform-style lifecycle: create, wait for stable, ETag, If-Match, stale 412, delete, wait for 404', async () => {
      const created = await client.createVpnServer({ ...(await prototype('compat-terraform')), clientIpPool: '172.23.0.0/22' });
      const id = String(created.result.id);
      assert.equal(created.result.lifecycle_state, 'pending');

      const read = await untilStable(client, id);
      const etag = read.headers.etag;
      assert.ok(etag, 'GET answers an ETag');

      const patched = await client.updateVpnServer({ id, ifMatch: etag, name: 'compat-terraform-2', clientIdleTimeout: 1200 });
      assertModel(VPNServer, patched.result, 'updateVpnServer');
      assert.equal(patched.result.client_idle_timeout, 1200);
      const newEtag = patched.headers.etag;
      assert.ok(newEtag && newEtag !== etag, 'the update changed the ETag');

      const stale = await sdkError(client.updateVpnServer({ id, ifMatch: etag, name: 'compat-terraform-3' }));
      assert.equal(stale.status, 412);
      assert.equal(stale.result.errors[0]?.code, 'etag_mismatch');
      assert.deepEqual(stale.result.errors[0]?.target, { name: 'If-Match', type: 'header', value: etag });
      const staleDelete = await sdkError(client.deleteVpnServer({ id, ifMatch: etag }));
      assert.equal(staleDelete.status, 412);

      const current = await untilStable(client, id);
      assert.equal(current.result.name, 'compat-terraform-2', 'the stale update changed nothing');
      assert.equal((await client.deleteVpnServer({ id, ifMatch: current.headers.etag })).status, 202);
      const gone = await eventually(`VPN server ${id} gone`, async () => {
        const outcome = await client.getVpnServer({ id }).then(
          (r) => {
            assert.equal(r.result.lifecycle_state, 'deleting');
            return undefined;
          },
          (e: unknown) => e as SdkError,
        );
        return outcome;
      }, 20_000, 100);
      assert.equal(gone.status, 404);
      assertModel(ErrorContainer, gone.result, 'the 404');
    });
  });
}
