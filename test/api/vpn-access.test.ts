import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { sql } from 'kysely';
import { testDialects } from '../support/dialects.ts';
import { json, startHarness, type Harness } from '../support/app-harness.ts';
import { buildCrl, createCertificateAuthority, encodePem, issueCertificate } from '../../src/domain/certificates/pki.ts';
import { x509 } from '../../src/domain/certificates/x509-lib.ts';
import { recordEstablished } from '../../src/domain/clients/lifecycle.ts';
import { GatewayLink } from '../../src/server/gateway-link.ts';
import { serialOfProfile } from '../support/profiles.ts';

interface ErrorBody {
  errors: { code: string; message: string; target?: { name: string; type: string } }[];
  status_code: number;
}
interface Server {
  id: string;
  name: string;
  client_authentication: { method: string; client_ca?: { crn: string }; crl?: string }[];
}

const DAY = 86_400_000;
const certAuth = (extra: Record<string, unknown> = {}) => [{ method: 'certificate', ...extra }];

function assertRefused(res: Awaited<ReturnType<Harness['call']>>, code: string, field: string): void {
  assert.equal(res.statusCode, 400, res.body);
  const error = json<ErrorBody>(res).errors[0];
  assert.equal(error?.code, code, res.body);
  assert.equal(error?.target?.name, field, res.body);
}

async function createServer(h: Harness, pool: string, body: Record<string, unknown> = {}): Promise<Server & { etag: string }> {
  const res = await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: pool, client_authentication: certAuth(), port: 1000 + Number(pool.split('.')[1]), ...body } });
  assert.equal(res.statusCode, 201, res.body);
  return { ...json<Server>(res), etag: String(res.headers.etag) };
}

/** A self-signed server certificate without a common name: valid X.509, but nothing for `verify-x509-name` to pin. */
async function serverCertificateWithoutCommonName(now: number): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a1b',
    name: 'O=No Common Name',
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 30 * DAY),
    keys,
    signingAlgorithm: algorithm,
    extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth])],
  });
  return { certificatePem: cert.toString('pem'), privateKeyPem: encodePem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

function link(h: Harness): GatewayLink {
  return new GatewayLink(() => ({ ctx: h.ctx, identity: h.identity, certificates: h.certificates }));
}

for (const dialect of testDialects()) {
  describe(`access to the VPN (${dialect})`, () => {
    test('each certificate-auth server gets its own client CA unless one is named; a PATCH keeps it', async () => {
      const h = await startHarness(dialect);
      try {
        const a = await createServer(h, '10.1.0.0/16');
        const b = await createServer(h, '10.2.0.0/16');
        const caA = a.client_authentication[0]?.client_ca?.crn;
        assert.ok(caA);
        assert.notEqual(caA, b.client_authentication[0]?.client_ca?.crn);
        const builtIn = await h.certificates.builtInCaCrn();
        assert.notEqual(caA, builtIn, 'not the built-in CA that signs server certificates');
        const patched = await h.call('PATCH', `/v1/vpn_servers/${a.id}`, { body: { client_authentication: [{ method: 'certificate' }, { method: 'username' }] }, headers: { 'if-match': a.etag } });
        assert.equal(patched.statusCode, 200, patched.body);
        assert.equal(json<Server>(patched).client_authentication[0]?.client_ca?.crn, caA);
      } finally {
        await h.close();
      }
    });

    test('client certificates are bound to the server they were issued for; renegotiation re-checks the user, not the spent passcode', async () => {
      const h = await startHarness(dialect);
      try {
        const ca = json<{ crn: string }>(await h.call('POST', '/v1/certificates', { body: { kind: 'ca', common_name: 'Shared' } }));
        const a = await createServer(h, '10.3.0.0/16', { client_authentication: [{ method: 'certificate', client_ca: { crn: ca.crn } }, { method: 'username' }] });
        const b = await createServer(h, '10.4.0.0/16', { client_authentication: [{ method: 'certificate', client_ca: { crn: ca.crn } }, { method: 'username' }] });
        const profile = (await h.call('POST', `/v1/vpn_servers/${a.id}/client_profile`, { body: { common_name: 'alice' } })).body;
        const certSerial = new X509Certificate(/<cert>\s*([\s\S]*?)<\/cert>/.exec(profile)?.[1] ?? '').serialNumber;
        assert.equal(serialOfProfile(profile), certSerial.toLowerCase().replace(/^0+/, ''));
        const user = await h.identity.createUser('alice', [{ role: 'VPNClient', vpnServerId: null }]);
        await h.identity.createApiKey(user.id, 'laptop');
        const gateway = link(h);
        const ask = (serverId: string, over: Record<string, unknown>) =>
          gateway.request({ type: 'authorize', serverId, username: 'alice', password: undefined, commonName: 'alice', reauth: false, sessionKey: '1:0', certSerial: certSerial.match(/../g)?.join(':'), ...over });

        const { passcode } = await h.identity.issuePasscode(user.id);
        assert.deepEqual(await ask(a.id, { password: passcode }), { allow: true });
        const { passcode: second } = await h.identity.issuePasscode(user.id);
        assert.equal((await ask(b.id, { password: second })).allow, false, 'a certificate issued for A does not open B');
        const serverCert = json<{ serial: string }>(await h.call('POST', '/v1/certificates', { body: { kind: 'server', common_name: 'gateway', issuer: { crn: ca.crn } } }));
        assert.equal((await ask(a.id, { password: second, certSerial: serverCert.serial })).allow, false, 'a server certificate of the same CA is no client certificate');

        await recordEstablished(h.ctx, a.id, { sessionKey: '1:0', clientIp: '10.3.0.2', remoteIp: '127.0.0.1', remotePort: 5000, commonName: 'alice', username: 'alice', startedAt: h.clock.now() });
        assert.deepEqual(await ask(a.id, { reauth: true, password: passcode }), { allow: true }, 'the spent passcode is not checked again');
        await h.store.db.deleteFrom('role_bindings').where('user_id', '=', user.id).execute();
        assert.equal((await ask(a.id, { reauth: true, password: passcode })).allow, false, 'a user without the VPNClient role is refused at renegotiation');
      } finally {
        await h.close();
      }
    });

    test('imported PEM is stored re-encoded, and text around it is refused naming the field', async () => {
      const h = await startHarness(dialect);
      try {
        const now = new Date(h.clock.now());
        const ca = await createCertificateAuthority({ commonName: 'Outside CA', validDays: 30, now });
        const server = await issueCertificate({ issuer: ca, kind: 'server', commonName: 'vpn.example.test', validDays: 10, now });
        const cases: [Record<string, string>, string][] = [
          [{ certificate_pem: `${server.certificatePem}</ca>\nscript-security 2\n` }, 'certificate_pem'],
          [{ certificate_pem: `junk\n${server.certificatePem}` }, 'certificate_pem'],
          [{ certificate_pem: server.certificatePem, private_key_pem: `${server.privateKeyPem}\nplugin /tmp/x.so` }, 'private_key_pem'],
          [{ certificate_pem: server.certificatePem, intermediate_pem: `${ca.certificatePem}subject=CN=x\n` }, 'intermediate_pem'],
        ];
        for (const [fields, target] of cases) {
          assertRefused(await h.call('POST', '/v1/certificates', { body: { kind: 'imported', ...fields } }), 'certificate_invalid', target);
        }
        const sloppy = server.certificatePem.replace(/\n/g, '\r\n').replace(/-----\r\n/, '-----\r\n\r\n');
        const imported = await h.call('POST', '/v1/certificates', { body: { kind: 'imported', certificate_pem: `\n  ${sloppy}\n\n`, private_key_pem: server.privateKeyPem } });
        assert.equal(imported.statusCode, 201, imported.body);
        assert.equal(json<{ certificate_pem: string }>(imported).certificate_pem, server.certificatePem, 'stored as Sluice encodes it, not as sent');
      } finally {
        await h.close();
      }
    });

    test('a server certificate that cannot go into a profile is refused at create and PATCH, and a stored one gives 400 at download', async () => {
      const h = await startHarness(dialect);
      try {
        const noName = await serverCertificateWithoutCommonName(h.clock.now());
        const imported = json<{ crn: string }>(await h.call('POST', '/v1/certificates', { body: { kind: 'imported', certificate_pem: noName.certificatePem, private_key_pem: noName.privateKeyPem } }));
        assertRefused(await h.call('POST', '/v1/vpn_servers', { body: { client_ip_pool: '10.5.0.0/16', client_authentication: certAuth(), certificate: { crn: imported.crn } } }), 'certificate_invalid', 'certificate.crn');
        const server = await createServer(h, '10.6.0.0/16');
        assertRefused(await h.call('PATCH', `/v1/vpn_servers/${server.id}`, { body: { certificate: { crn: imported.crn } }, headers: { 'if-match': server.etag } }), 'certificate_invalid', 'certificate.crn');

        // A row written before imports were checked, carrying text OpenVPN would read as config.
        await h.store.db.updateTable('certificates').set({ certificate_pem: sql<string>`certificate_pem || ${'</ca>\nscript-security 2\n'}` }).execute();
        for (const path of ['client_configuration', 'client_profile']) {
          const res = await h.call(path === 'client_profile' ? 'POST' : 'GET', `/v1/vpn_servers/${server.id}/${path}`, path === 'client_profile' ? { body: { common_name: 'bob' } } : {});
          assert.equal(res.statusCode, 400, `${path}: ${res.body}`);
          assert.equal(json<ErrorBody>(res).errors[0]?.code, 'certificate_invalid');
        }
      } finally {
        await h.close();
      }
    });

    test('a crl must be a CRL issued by the server\u2019s client CA', async () => {
      const h = await startHarness(dialect);
      try {
        const now = new Date(h.clock.now());
        const outside = await createCertificateAuthority({ commonName: 'Outside CA', validDays: 30, now });
        const ca = json<{ id: string; crn: string }>(await h.call('POST', '/v1/certificates', { body: { kind: 'ca', common_name: 'Client CA' } }));
        const ownCrl = await h.certificates.crlOf(ca.id);
        const foreignCrl = buildCrl({ issuer: outside, revoked: [], thisUpdate: now, nextUpdate: new Date(now.getTime() + DAY) });
        const withCrl = (crl: string) => ({ client_ip_pool: '10.7.0.0/16', client_authentication: [{ method: 'certificate', client_ca: { crn: ca.crn }, crl }] });
        assertRefused(await h.call('POST', '/v1/vpn_servers', { body: withCrl('not a CRL') }), 'certificate_invalid', 'client_authentication[0].crl');
        assertRefused(await h.call('POST', '/v1/vpn_servers', { body: withCrl(outside.certificatePem) }), 'certificate_invalid', 'client_authentication[0].crl');
        assertRefused(await h.call('POST', '/v1/vpn_servers', { body: withCrl(foreignCrl) }), 'certificate_invalid', 'client_authentication[0].crl');
        assertRefused(await h.call('POST', '/v1/vpn_servers', { body: withCrl(`${ownCrl}\nverb 11\n`) }), 'certificate_invalid', 'client_authentication[0].crl');
        const created = await h.call('POST', '/v1/vpn_servers', { body: withCrl(ownCrl.replace(/\n/g, '\r\n')) });
        assert.equal(created.statusCode, 201, created.body);
        assert.equal(json<Server>(created).client_authentication[0]?.crl, ownCrl, 'stored re-encoded');
        const server = json<Server>(created);
        const patch = { client_authentication: [{ method: 'certificate', client_ca: { crn: ca.crn }, crl: foreignCrl }] };
        assertRefused(await h.call('PATCH', `/v1/vpn_servers/${server.id}`, { body: patch, headers: { 'if-match': String(created.headers.etag) } }), 'certificate_invalid', 'client_authentication[0].crl');
      } finally {
        await h.close();
      }
    });

    test('a deleted certificate is revoked and stays on its CA\u2019s CRL until it expires, then is forgotten', async () => {
      const h = await startHarness(dialect);
      try {
        const ca = json<{ id: string; crn: string }>(await h.call('POST', '/v1/certificates', { body: { kind: 'ca', common_name: 'Issuer' } }));
        const cert = json<{ id: string; serial: string; not_after: string }>(await h.call('POST', '/v1/certificates', { body: { kind: 'client', name: 'laptop', common_name: 'dana', issuer: { crn: ca.crn } } }));
        const onCrl = async (): Promise<boolean> => new x509.X509Crl(await h.certificates.crlOf(ca.id)).entries.some((e) => e.serialNumber.toLowerCase() === cert.serial);
        assert.equal(await onCrl(), false);
        assert.equal((await h.call('DELETE', `/v1/certificates/${cert.id}`)).statusCode, 202);
        assert.equal((await h.call('GET', `/v1/certificates/${cert.id}`)).statusCode, 404);
        assert.ok(!json<{ certificates: { id: string }[] }>(await h.call('GET', '/v1/certificates?limit=100')).certificates.some((c) => c.id === cert.id));
        assert.equal(await onCrl(), true, 'deleting revoked it');
        const again = await h.call('POST', '/v1/certificates', { body: { kind: 'client', name: 'laptop', common_name: 'dana', issuer: { crn: ca.crn } } });
        assert.equal(again.statusCode, 201, 'the name is free again');

        h.clock.current = Date.parse(cert.not_after) + 1000;
        assert.equal(await onCrl(), false, 'an expired certificate leaves the CRL');
        assert.equal(await h.certificates.purgeExpiredDeleted(), 1);
      } finally {
        await h.close();
      }
    });

    test('common names with bidirectional control characters are refused', async () => {
      const h = await startHarness(dialect);
      try {
        const server = await createServer(h, '10.8.0.0/16');
        const ca = json<{ crn: string }>(await h.call('POST', '/v1/certificates', { body: { kind: 'ca', common_name: 'Issuer' } }));
        for (const bidi of ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c']) {
          const name = `alice${bidi}gpj.exe`;
          assertRefused(await h.call('POST', '/v1/certificates', { body: { kind: 'client', common_name: name, issuer: { crn: ca.crn } } }), 'invalid_value', 'common_name');
          assertRefused(await h.call('POST', '/v1/certificates', { body: { kind: 'ca', common_name: name } }), 'invalid_value', 'common_name');
          assertRefused(await h.call('POST', `/v1/vpn_servers/${server.id}/client_profile`, { body: { common_name: name } }), 'invalid_value', 'common_name');
        }
      } finally {
        await h.close();
      }
    });
  });
}
