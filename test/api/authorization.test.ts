import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { recordEstablished } from '../../src/domain/clients/lifecycle.ts';
import type { Role } from '../../src/domain/identity/roles.ts';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness, type Harness } from '../support/app-harness.ts';

/** The least role each operation needs. Every operation in the OpenAPI document must be listed. */
const LEAST_ROLE: Record<string, Role | 'authenticated' | 'public'> = {
  create_token: 'public',
  create_passcode: 'authenticated',
  get_identity: 'authenticated',
  list_vpn_servers: 'authenticated',
  create_vpn_server: 'Editor',
  get_vpn_server: 'Viewer',
  update_vpn_server: 'Editor',
  delete_vpn_server: 'Editor',
  get_vpn_server_client_configuration: 'Viewer',
  create_vpn_server_client_profile: 'Editor',
  list_vpn_server_clients: 'Operator',
  get_vpn_server_client: 'Operator',
  delete_vpn_server_client: 'Operator',
  disconnect_vpn_client: 'Operator',
  disconnect_vpn_clients: 'Operator',
  stream_vpn_server_client_events: 'Operator',
  list_vpn_server_routes: 'Viewer',
  create_vpn_server_route: 'Editor',
  get_vpn_server_route: 'Viewer',
  update_vpn_server_route: 'Editor',
  delete_vpn_server_route: 'Editor',
  list_certificates: 'Viewer',
  create_certificate: 'Editor',
  get_certificate: 'Viewer',
  delete_certificate: 'Editor',
  revoke_certificate: 'Editor',
  get_certificate_crl: 'Viewer',
  list_users: 'Administrator',
  create_user: 'Administrator',
  get_user: 'Administrator',
  update_user: 'Administrator',
  delete_user: 'Administrator',
  list_user_api_keys: 'Administrator',
  create_user_api_key: 'Administrator',
  delete_user_api_key: 'Administrator',
  logout: 'authenticated',
  list_vpn_lockouts: 'Administrator',
  delete_vpn_lockout: 'Administrator',
  list_audit_events: 'Administrator',
  get_audit_event: 'Administrator',
  get_vpn_server_monitoring: 'Viewer',
  list_gateways: 'Viewer',
  get_gateway: 'Viewer',
  create_gateway: 'Administrator',
  update_gateway: 'Administrator',
  delete_gateway: 'Administrator',
  create_gateway_join_token: 'Administrator',
  join_gateway: 'public',
};

const RANK: Record<string, number> = { none: 0, VPNClient: 0, Viewer: 1, Operator: 2, Editor: 3, Administrator: 4 };
const CALLERS = ['none', 'VPNClient', 'Viewer', 'Operator', 'Editor', 'Administrator'] as const;

interface Operation {
  id: string;
  method: string;
  path: string;
}

async function operations(h: Harness): Promise<Operation[]> {
  const doc = json<{ paths: Record<string, Record<string, { operationId: string }>> }>(await h.call('GET', '/openapi.json', { token: null }));
  // A path item also holds the path parameters its operations share; only HTTP methods are operations.
  const isMethod = (key: string) => ['get', 'put', 'post', 'delete', 'patch'].includes(key);
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).filter(([method]) => isMethod(method)).map(([method, op]) => ({ id: op.operationId, method: method.toUpperCase(), path })));
}

/** A request the authorization layer must judge: ids point at real resources, bodies are valid-ish. */
function concrete(op: Operation, ids: Record<string, string>): string {
  return op.path.replace('{vpn_server_id}', ids.server ?? '').replace('{key_id}', ids.key ?? '').replace('{id}', op.path.startsWith('/v1/vpn_servers/{vpn_server_id}/routes') ? ids.route ?? '' : op.path.startsWith('/v1/vpn_servers/{vpn_server_id}/clients') ? ids.client ?? '' : op.path.startsWith('/v1/certificates') ? ids.cert ?? '' : op.path.startsWith('/v1/users') ? ids.user ?? '' : op.path.startsWith('/v1/gateways') ? ids.gateway ?? '' : ids.server ?? '');
}

for (const dialect of testDialects()) {
  describe(`authorization matrix (${dialect})`, () => {
    test('every operation × every role, plus no token and an expired token', async () => {
      const h = await startHarness(dialect);
      try {
        const ops = (await operations(h)).filter((op) => op.id !== 'stream_vpn_server_client_events');
        assert.deepEqual(ops.map((o) => o.id).filter((id) => !(id in LEAST_ROLE)), [], 'operations missing from LEAST_ROLE');
        const server = json<{ id: string }>(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.20.0.0/16', client_authentication: [{ method: 'certificate' }] } }));
        const route = json<{ id: string }>(await h.call('POST', `/v1/vpn_servers/${server.id}/routes`, { body: { destination: '10.1.0.0/16' } }));
        const client = await recordEstablished(h.ctx, server.id, { sessionKey: '1:1', clientIp: '10.20.0.2', remoteIp: '127.0.0.1', remotePort: 4000, commonName: 'x', username: null, startedAt: h.clock.now() });
        const cert = json<{ id: string }>(await h.call('POST', '/v1/certificates', { body: { kind: 'ca', common_name: 'matrix' } }));
        const user = json<{ id: string }>(await h.call('POST', '/v1/users', { body: { name: 'target-user' } }));
        const key = json<{ id: string }>(await h.call('POST', `/v1/users/${user.id}/api_keys`, { body: { name: 'k' } }));
        const gateway = json<{ id: string }>(await h.call('POST', '/v1/gateways', { body: { name: 'matrix-gateway', host: 'gw.example.com' } }));
        const ids = { server: server.id, route: route.id, client: client.id, cert: cert.id, user: user.id, key: key.id, gateway: gateway.id };
        const tokens = Object.fromEntries(await Promise.all(CALLERS.map(async (role) => [role, await h.tokenFor(role)] as const)));
        const otherServerOperator = await h.tokenFor('Operator', 'r001-00000000-0000-4000-8000-000000000000');
        const expired = await new SignJWT({ kid: 'k', typ: 'access' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u').setIssuer('sluice').setIssuedAt(1).setExpirationTime(2).sign(new Uint8Array(32).fill(9));

        const failures: string[] = [];
        for (const op of ops) {
          const url = concrete(op, ids);
          // GETs and bodyless calls only probe; writes that would change state are judged on a
          // body that fails validation after authorization, so a pass is "not 401/403".
          const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : op.id === 'create_token' ? 'grant_type=x' : {};
          const contentType = op.id === 'create_token' ? 'application/x-www-form-urlencoded' : undefined;
          const send = (token: string | null) => h.call(op.method, url, { token, ...(body !== undefined && { body }), ...(contentType && { contentType }) });
          const needed = LEAST_ROLE[op.id];
          if (needed === 'public') continue;
          for (const [label, token] of [['no token', null], ['expired token', expired], ['garbage token', 'abc.def.ghi']] as const) {
            const res = await send(token);
            if (res.statusCode !== 401) failures.push(`${op.id} with ${label}: ${res.statusCode}`);
          }
          for (const role of CALLERS) {
            if (op.method === 'DELETE' && role !== 'Administrator') {
              // Deletes are probed for denial only, so the resources survive for later rows.
              if (needed === 'authenticated' || RANK[role]! >= RANK[needed!]!) continue;
            }
            if (op.method === 'DELETE' && role === 'Administrator') continue;
            // Logging out ends the token's sign-in: it gets a sign-in of its own, so later rows keep theirs.
            const res = await send(op.id === 'logout' ? await h.tokenFor(role) : (tokens[role] ?? null));
            const allowed = needed === 'authenticated' || RANK[role]! >= RANK[needed!]!;
            const denied = res.statusCode === 403;
            if (allowed === denied || res.statusCode === 401) failures.push(`${op.id} as ${role}: ${res.statusCode} ${res.body.slice(0, 120)}`);
          }
          if (needed === 'Operator' && url.includes(server.id)) {
            const res = await send(otherServerOperator);
            if (res.statusCode !== 403) failures.push(`${op.id} as Operator of another server: ${res.statusCode}`);
          }
        }
        assert.deepEqual(failures, []);
      } finally {
        await h.close();
      }
    });
  });
}
