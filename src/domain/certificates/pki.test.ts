import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SluiceError } from '../../errors/catalogue.ts';
import {
  buildCrl,
  createCertificateAuthority,
  fingerprint,
  issueCertificate,
  parseImport,
  serialHex,
  splitCertificates,
  splitPem,
} from './pki.ts';
import type { IssuedCertificate } from './pki.ts';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-03-01T12:00:00.000Z');
const workDir = mkdtempSync(join(tmpdir(), 'sluice-pki-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

/** Writes `content` to a file in the test's temp dir and returns its path. */
function file(name: string, content: string): string {
  const path = join(workDir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

/** Runs the real openssl CLI; returns combined output and whether it exited 0. */
function openssl(...args: string[]): { ok: boolean; out: string } {
  const result = spawnSync('openssl', args, { encoding: 'utf8', cwd: workDir, maxBuffer: 64 * 1024 * 1024 });
  return { ok: result.status === 0, out: `${result.stdout}${result.stderr}` };
}

/** `openssl verify` at NOW (certificates in these tests are dated around NOW, not the real clock). */
function verify(caPath: string, certPath: string, ...extra: string[]): { ok: boolean; out: string } {
  return openssl('verify', '-attime', String(Math.floor(NOW.getTime() / 1000)), '-CAfile', caPath, ...extra, certPath);
}

const text = (path: string, kind: 'x509' | 'crl' = 'x509'): string => openssl(kind, '-in', path, '-noout', '-text').out;

function rejects(message: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SluiceError, `expected SluiceError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  };
}

const certificateInvalid = (message: RegExp) => (error: unknown) => {
  rejects(message)(error);
  assert.equal((error as SluiceError).code, 'certificate_invalid');
  return true;
};

let ca: IssuedCertificate;
let server: IssuedCertificate;
let client: IssuedCertificate;
let caPath: string;

before(async () => {
  ca = await createCertificateAuthority({ commonName: 'Sluice Test CA', validDays: 3650, now: NOW });
  server = await issueCertificate({
    issuer: ca,
    kind: 'server',
    commonName: 'vpn.example.test',
    subjectAltNames: ['vpn.example.test', '192.0.2.10', '2001:db8::1'],
    validDays: 825,
    now: NOW,
  });
  client = await issueCertificate({ issuer: ca, kind: 'client', commonName: 'alice', validDays: 365, now: NOW });
  caPath = file('ca.pem', ca.certificatePem);
});

describe('createCertificateAuthority', () => {
  it('returns PEM and metadata that match what openssl reads', () => {
    assert.match(ca.certificatePem, /^-----BEGIN CERTIFICATE-----\n/);
    assert.match(ca.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(ca.serial, /^[0-9a-f]{32}$/);
    assert.equal(ca.subjectCommonName, 'Sluice Test CA');
    assert.equal(ca.notBefore.toISOString(), '2026-03-01T11:00:00.000Z', 'backdated one hour for clock skew');
    assert.equal(ca.notAfter.getTime(), NOW.getTime() + 3650 * DAY);

    const path = file('ca-meta.pem', ca.certificatePem);
    const serial = openssl('x509', '-in', path, '-noout', '-serial').out.trim();
    assert.equal(serial, `serial=${ca.serial.toUpperCase()}`);
    const fp = openssl('x509', '-in', path, '-noout', '-fingerprint', '-sha256').out.trim();
    assert.equal(fp.split('=')[1]?.replace(/:/g, '').toLowerCase(), ca.fingerprintSha256);
  });

  it('is a P-256 CA with critical basicConstraints and keyCertSign+cRLSign', () => {
    const dump = text(caPath);
    assert.match(dump, /NIST CURVE: P-256/);
    assert.match(dump, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    assert.match(dump, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
    assert.match(dump, /Subject Key Identifier/);
    assert.ok(verify(caPath, caPath).ok, 'self-signed CA verifies against itself');
  });

  it('writes a PKCS#8 key that openssl reads and that belongs to the certificate', () => {
    const keyPath = file('ca.key', ca.privateKeyPem);
    const fromKey = openssl('pkey', '-in', keyPath, '-pubout').out;
    const fromCert = openssl('x509', '-in', caPath, '-noout', '-pubkey').out;
    assert.equal(fromKey, fromCert);
  });

  it('rejects an empty common name and absurd validity', async () => {
    await assert.rejects(createCertificateAuthority({ commonName: ' ', validDays: 10, now: NOW }), rejects(/common name/));
    await assert.rejects(createCertificateAuthority({ commonName: 'x', validDays: 0, now: NOW }), rejects(/validity/));
    await assert.rejects(createCertificateAuthority({ commonName: 'x', validDays: 1.5, now: NOW }), rejects(/validity/));
  });
});

describe('issueCertificate', () => {
  it('issues a server certificate openssl accepts for sslserver only', () => {
    const path = file('server.pem', server.certificatePem);
    assert.ok(verify(caPath, path, '-purpose', 'sslserver').ok);
    assert.equal(verify(caPath, path, '-purpose', 'sslclient').ok, false, 'serverAuth-only cert is not a TLS client cert');
    const dump = text(path);
    assert.match(dump, /Key Usage: critical\s+Digital Signature, Key Encipherment, Key Agreement/);
    assert.match(dump, /Extended Key Usage:\s+TLS Web Server Authentication\n/);
    assert.match(dump, /DNS:vpn\.example\.test, IP Address:192\.0\.2\.10, IP Address:2001:DB8:0:0:0:0:0:1/);
    assert.match(dump, /CA:FALSE/);
    assert.equal(server.subjectCommonName, 'vpn.example.test');
  });

  it('issues a client certificate openssl accepts for sslclient only', () => {
    const path = file('client.pem', client.certificatePem);
    assert.ok(verify(caPath, path, '-purpose', 'sslclient').ok);
    assert.equal(verify(caPath, path, '-purpose', 'sslserver').ok, false);
    const dump = text(path);
    assert.match(dump, /Key Usage: critical\s+Digital Signature\n/);
    assert.match(dump, /Extended Key Usage:\s+TLS Web Client Authentication\n/);
  });

  it("sets the AuthorityKeyIdentifier to the CA's SubjectKeyIdentifier", () => {
    const ski = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(text(caPath))?.[1];
    const aki = /Authority Key Identifier:\s+(?:keyid:)?([0-9A-F:]+)/.exec(text(file('aki.pem', client.certificatePem)))?.[1];
    assert.ok(ski);
    assert.equal(aki, ski);
  });

  it('gives each certificate a distinct positive 16-byte serial', async () => {
    const serials = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const issued = await issueCertificate({ issuer: ca, kind: 'client', commonName: `u${i}`, validDays: 1, now: NOW });
      assert.match(issued.serial, /^[1-7][0-9a-f]{31}$/);
      serials.add(issued.serial);
    }
    assert.equal(serials.size, 20);
  });

  it("caps notAfter at the issuer's notAfter", async () => {
    const shortCa = await createCertificateAuthority({ commonName: 'Short CA', validDays: 10, now: NOW });
    const issued = await issueCertificate({ issuer: shortCa, kind: 'client', commonName: 'bob', validDays: 365, now: NOW });
    assert.equal(issued.notAfter.getTime(), shortCa.notAfter.getTime());
  });

  it('refuses a mismatched issuer key, a non-CA issuer, an expired issuer and bad names', async () => {
    const otherCa = await createCertificateAuthority({ commonName: 'Other', validDays: 10, now: NOW });
    const base = { kind: 'client' as const, commonName: 'x', validDays: 1, now: NOW };
    await assert.rejects(
      issueCertificate({ ...base, issuer: { certificatePem: ca.certificatePem, privateKeyPem: otherCa.privateKeyPem } }),
      certificateInvalid(/^issuer private key does not match issuer certificate$/),
    );
    await assert.rejects(issueCertificate({ ...base, issuer: client }), certificateInvalid(/issuer certificate is not a CA/));
    await assert.rejects(
      issueCertificate({ ...base, issuer: otherCa, now: new Date(NOW.getTime() + 11 * DAY) }),
      certificateInvalid(/^issuer certificate expired on 2026-03-11T12:00:00.000Z$/),
    );
    await assert.rejects(issueCertificate({ ...base, issuer: ca, subjectAltNames: ['bad name!'] }), rejects(/neither a DNS name nor an IP/));
    await assert.rejects(issueCertificate({ ...base, issuer: ca, commonName: 'a'.repeat(65) }), rejects(/common name/));
  });
});

/** An RSA root → RSA intermediate → EC leaf chain made by the openssl CLI, as an operator would import. */
function opensslChain(): Record<'root' | 'intermediate' | 'leaf' | 'leafKey' | 'intermediateKey' | 'rootKey' | 'leafKeyPkcs1', string> {
  const days = ['-days', '30'];
  const caExt = file('ca.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  const leafExt = file('leaf.ext', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n');
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: workDir, stdio: 'pipe' });
  };
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-subj', '/CN=Import Root', ...days);
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/O=Example/CN=Import Intermediate');
  run('x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-set_serial', '0x00ff01', '-out', 'int.pem', '-extfile', caExt, ...days);
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leaf.key'); // SEC1 "EC PRIVATE KEY"
  run('req', '-new', '-key', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=imported.example.test');
  run('x509', '-req', '-in', 'leaf.csr', '-CA', 'int.pem', '-CAkey', 'int.key', '-set_serial', '4242', '-out', 'leaf.pem', '-extfile', leafExt, ...days);
  run('rsa', '-in', 'int.key', '-traditional', '-out', 'int-pkcs1.key'); // "RSA PRIVATE KEY"
  const read = (name: string): string => readFileSync(join(workDir, name), 'utf8');
  return {
    root: read('root.pem'),
    rootKey: read('root.key'),
    intermediate: read('int.pem'),
    intermediateKey: read('int.key'),
    leafKeyPkcs1: read('int-pkcs1.key'),
    leaf: read('leaf.pem'),
    leafKey: read('leaf.key'),
  };
}

describe('parseImport', () => {
  let chain: ReturnType<typeof opensslChain>;
  let today: Date;
  before(() => {
    chain = opensslChain();
    today = new Date(); // openssl dated these from the real clock
  });

  it('accepts an openssl-made EC leaf with SEC1 key and RSA intermediate', async () => {
    const info = await parseImport({ certificatePem: chain.leaf, privateKeyPem: chain.leafKey, intermediatePem: chain.intermediate, now: today });
    assert.equal(info.subjectCommonName, 'imported.example.test');
    assert.equal(info.issuerCommonName, 'Import Intermediate');
    assert.equal(info.serial, '1092'); // 4242 decimal
    assert.equal(info.isCa, false);
    assert.equal(info.selfSigned, false);
    assert.equal(info.keyAlgorithm, 'EC P-256');
    assert.equal(info.keyMatches, true);
    assert.equal(info.fingerprintSha256, fingerprint(chain.leaf));
  });

  it('accepts RSA CA certificates with PKCS#8 and PKCS#1 keys, and a chain that includes the root', async () => {
    const pkcs8 = await parseImport({ certificatePem: chain.intermediate, privateKeyPem: chain.intermediateKey, now: today });
    assert.equal(pkcs8.keyAlgorithm, 'RSA 2048');
    assert.equal(pkcs8.isCa, true);
    assert.equal(pkcs8.serial, 'ff01', 'DER sign pad removed');
    const pkcs1 = await parseImport({ certificatePem: chain.intermediate, privateKeyPem: chain.leafKeyPkcs1, now: today });
    assert.equal(pkcs1.keyMatches, true);
    const root = await parseImport({ certificatePem: chain.root, now: today });
    assert.equal(root.selfSigned, true);
    assert.equal(root.keyMatches, null);
    const full = `${chain.root}\n${chain.intermediate}`;
    const imported = await parseImport({ certificatePem: chain.leaf, intermediatePem: full, now: today });
    assert.equal(imported.pem.intermediate, `${chain.root}${chain.intermediate}`, 'the chain is re-encoded as parsed');
    // Text around the blocks ("subject=" lines, Bag Attributes) would end up in configs and profiles.
    const annotated = `${chain.root}\nsubject=CN=text between blocks\n${chain.intermediate}`;
    await assert.rejects(parseImport({ certificatePem: chain.leaf, intermediatePem: annotated, now: today }), certificateInvalid(/chain has text outside its PEM blocks/));
  });

  it('rejects garbage, other PEM types and several certificates', async () => {
    const cases: [string, RegExp][] = [
      ['', /certificate is not PEM/],
      ['not a certificate', /certificate is not PEM/],
      ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', /certificate is not a valid X\.509 certificate/],
      ['-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n', /not valid base64/],
      [chain.leaf.slice(0, -30), /not terminated/],
      [chain.leafKey, /expected CERTIFICATE, found EC PRIVATE KEY/],
      [chain.leaf + chain.intermediate, /expected exactly one CERTIFICATE block, found 2/],
    ];
    for (const [certificatePem, message] of cases) {
      await assert.rejects(parseImport({ certificatePem, now: today }), certificateInvalid(message));
    }
  });

  it('rejects a private key that does not match, or is encrypted, or garbage', async () => {
    await assert.rejects(
      parseImport({ certificatePem: chain.leaf, privateKeyPem: ca.privateKeyPem, now: today }),
      certificateInvalid(/^private key does not match certificate$/),
    );
    await assert.rejects(
      parseImport({ certificatePem: chain.intermediate, privateKeyPem: chain.rootKey, now: today }),
      certificateInvalid(/^private key does not match certificate$/),
    );
    execFileSync('openssl', ['pkcs8', '-topk8', '-in', 'leaf.key', '-out', 'enc.key', '-passout', 'pass:secret'], { cwd: workDir, stdio: 'pipe' });
    const encrypted = readFileSync(join(workDir, 'enc.key'), 'utf8');
    await assert.rejects(parseImport({ certificatePem: chain.leaf, privateKeyPem: encrypted, now: today }), certificateInvalid(/encrypted/));
    await assert.rejects(
      parseImport({ certificatePem: chain.leaf, privateKeyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', now: today }),
      certificateInvalid(/cannot be parsed/),
    );
  });

  it('rejects certificates outside their validity period at the injected time', async () => {
    const info = await parseImport({ certificatePem: server.certificatePem, now: NOW });
    const late = new Date(info.notAfter.getTime() + 1000);
    await assert.rejects(parseImport({ certificatePem: server.certificatePem, now: late }), certificateInvalid(new RegExp(`^certificate expired on ${info.notAfter.toISOString()}$`)));
    const early = new Date(info.notBefore.getTime() - 1000);
    await assert.rejects(parseImport({ certificatePem: server.certificatePem, now: early }), certificateInvalid(/^certificate is not valid until /));
  });

  it("rejects a chain that does not lead to the certificate's issuer, or carries strays", async () => {
    await assert.rejects(
      parseImport({ certificatePem: chain.leaf, intermediatePem: chain.root, now: today }),
      certificateInvalid(/^chain does not lead to the certificate's issuer$/),
    );
    await assert.rejects(
      parseImport({ certificatePem: chain.leaf, intermediatePem: chain.intermediate + ca.certificatePem, now: today }),
      certificateInvalid(/not on the path.*"Sluice Test CA"/),
    );
    await assert.rejects(
      parseImport({ certificatePem: server.certificatePem, intermediatePem: client.certificatePem, now: NOW }),
      certificateInvalid(/chain does not lead/),
    );
  });

  it('rejects an intermediate that expired, and RSA keys under 2048 bits', async () => {
    const late = new Date(today.getTime() + 31 * DAY);
    await assert.rejects(parseImport({ certificatePem: chain.leaf, now: late }), certificateInvalid(/^certificate expired on/));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:1024', '-nodes', '-keyout', 'weak.key', '-out', 'weak.pem', '-subj', '/CN=weak', '-days', '2'], { cwd: workDir, stdio: 'pipe' });
    const weak = readFileSync(join(workDir, 'weak.pem'), 'utf8');
    await assert.rejects(parseImport({ certificatePem: weak, now: today }), certificateInvalid(/1024-bit RSA key; at least 2048/));
  });

  it('issues from an imported RSA CA, and openssl verifies the result', async () => {
    const issued = await issueCertificate({
      issuer: { certificatePem: chain.root, privateKeyPem: chain.rootKey },
      kind: 'client',
      commonName: 'carol',
      validDays: 5,
      now: today,
    });
    assert.ok(openssl('verify', '-CAfile', file('rsa-root.pem', chain.root), '-purpose', 'sslclient', file('carol.pem', issued.certificatePem)).ok);
  });
});

describe('buildCrl', () => {
  const thisUpdate = NOW;
  const nextUpdate = new Date(NOW.getTime() + 7 * DAY);

  it('builds a v2 CRL with AKI and CRL number that openssl verifies and enforces', async () => {
    const other = await issueCertificate({ issuer: ca, kind: 'client', commonName: 'dave', validDays: 30, now: NOW });
    const crl = buildCrl({
      issuer: ca,
      revoked: [{ serial: client.serial, revokedAt: NOW, reason: 'keyCompromise' }],
      thisUpdate,
      nextUpdate,
      crlNumber: 7n,
    });
    assert.match(crl, /^-----BEGIN X509 CRL-----\n/);
    const crlPath = file('crl.pem', crl);
    const dump = text(crlPath, 'crl');
    assert.match(dump, /Version 2 \(0x1\)/);
    assert.match(dump, /Issuer: CN = Sluice Test CA/);
    assert.match(dump, /Authority Key Identifier/);
    assert.match(dump, /CRL Number:\s+7\n/);
    assert.match(dump, new RegExp(`Serial Number: ${client.serial.toUpperCase()}`));
    assert.match(dump, /Key Compromise/);
    assert.match(openssl('crl', '-in', crlPath, '-CAfile', caPath, '-noout').out, /verify OK/);

    const revokedPath = file('revoked-client.pem', client.certificatePem);
    const rejected = verify(caPath, revokedPath, '-crl_check', '-CRLfile', crlPath);
    assert.equal(rejected.ok, false);
    assert.match(rejected.out, /certificate revoked/);
    assert.ok(verify(caPath, file('dave.pem', other.certificatePem), '-crl_check', '-CRLfile', crlPath).ok);
    assert.ok(verify(caPath, file('server-crl.pem', server.certificatePem), '-crl_check', '-CRLfile', crlPath, '-purpose', 'sslserver').ok);
  });

  it('builds an empty CRL, dedupes serials, accepts other spellings and omits "unspecified"', () => {
    const emptyPath = file('empty.pem', buildCrl({ issuer: ca, revoked: [], thisUpdate, nextUpdate }));
    const empty = text(emptyPath, 'crl');
    assert.match(empty, /No Revoked Certificates/);
    assert.match(empty, new RegExp(`CRL Number:\\s+${Math.floor(NOW.getTime() / 1000)}\\n`), 'defaults to thisUpdate seconds');

    const crl = buildCrl({
      issuer: ca,
      revoked: [
        { serial: '00:0A:FF', revokedAt: new Date(NOW.getTime() - DAY) },
        { serial: 'aff', revokedAt: NOW, reason: 'superseded' },
        { serial: '0x80', revokedAt: NOW, reason: 'unspecified' },
      ],
      thisUpdate,
      nextUpdate,
    });
    const dump = text(file('dedupe.pem', crl), 'crl');
    assert.equal(dump.match(/Serial Number:/g)?.length, 2);
    assert.match(dump, /Serial Number: 0AFF\n\s+Revocation Date: Feb 28 12:00:00 2026 GMT\n/, 'earliest revocation kept');
    assert.match(dump, /Serial Number: 80\n/);
    assert.doesNotMatch(dump, /CRL entry extensions/);
  });

  it('signs with an imported RSA CA as well', () => {
    const chain = { cert: readFileSync(join(workDir, 'root.pem'), 'utf8'), key: readFileSync(join(workDir, 'root.key'), 'utf8') };
    const crlPath = file('rsa-crl.pem', buildCrl({ issuer: { certificatePem: chain.cert, privateKeyPem: chain.key }, revoked: [{ serial: '1', revokedAt: new Date() }], thisUpdate: new Date(), nextUpdate: new Date(Date.now() + DAY) }));
    assert.match(openssl('crl', '-in', crlPath, '-CAfile', join(workDir, 'root.pem'), '-noout').out, /verify OK/);
    assert.match(text(crlPath, 'crl'), /sha256WithRSAEncryption/);
  });

  it('scales to 20 000 entries', () => {
    const revoked = Array.from({ length: 20_000 }, (_, i) => ({ serial: (0x10000000 + i).toString(16).padEnd(32, 'a'), revokedAt: NOW }));
    const started = performance.now();
    const crl = buildCrl({ issuer: ca, revoked, thisUpdate, nextUpdate });
    const elapsed = performance.now() - started;
    console.log(`# buildCrl: 20 000 entries in ${elapsed.toFixed(0)} ms, ${crl.length} bytes of PEM`);
    const crlPath = file('big.pem', crl);
    assert.match(openssl('crl', '-in', crlPath, '-CAfile', caPath, '-noout').out, /verify OK/);
    assert.equal(text(crlPath, 'crl').match(/Serial Number:/g)?.length, 20_000);
  });

  it('refuses an issuer that cannot sign CRLs and inverted dates', () => {
    assert.throws(() => buildCrl({ issuer: ca, revoked: [], thisUpdate: nextUpdate, nextUpdate: thisUpdate }), rejects(/nextUpdate must be later/));
    assert.throws(() => buildCrl({ issuer: client, revoked: [], thisUpdate, nextUpdate }), certificateInvalid(/key usage does not include cRLSign/));
    assert.throws(
      () => buildCrl({ issuer: { certificatePem: ca.certificatePem, privateKeyPem: server.privateKeyPem }, revoked: [], thisUpdate, nextUpdate }),
      certificateInvalid(/issuer private key does not match issuer certificate/),
    );
  });
});

describe('helpers', () => {
  it('serialHex normalises the spellings other tools print', () => {
    assert.equal(serialHex('00:0A:FF'), 'aff');
    assert.equal(serialHex('0x00ABcd'), 'abcd');
    assert.equal(serialHex('0000'), '0');
    assert.equal(serialHex(' 7f 01 '), '7f01');
    assert.throws(() => serialHex('xyz'), rejects(/not hexadecimal/));
  });

  it('splits PEM bundles and fingerprints DER or PEM alike', () => {
    const bundle = `junk\n${server.certificatePem}\n${ca.certificatePem}`;
    const parts = splitCertificates(bundle);
    assert.deepEqual(parts, [server.certificatePem, ca.certificatePem]);
    const [first] = splitPem(bundle, 'bundle');
    assert.ok(first);
    assert.equal(fingerprint(first.der), server.fingerprintSha256);
    assert.equal(fingerprint(server.certificatePem), server.fingerprintSha256);
  });
});

const hasOpenvpn = spawnSync('openvpn', ['--version']).status !== null;

/** Resolves once `pattern` appears in the process output; rejects at the deadline or on exit. */
function waitForOutput(child: ChildProcess, pattern: RegExp, deadlineMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${deadlineMs} ms:\n${output}`)), deadlineMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', () => {
      clearTimeout(timer);
      if (!pattern.test(output)) reject(new Error(`exited before ${pattern}:\n${output}`));
    });
  });
}

// `npm run test:unit` (SLUICE_TEST_UNIT=1) starts no OpenVPN; `npm test` runs this part.
const openvpnSkip = !hasOpenvpn ? 'openvpn is not installed' : process.env.SLUICE_TEST_UNIT === '1' ? 'the unit set starts no OpenVPN' : false;
describe('with real OpenVPN (skipped when openvpn is not installed)', { skip: openvpnSkip }, () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) child.kill();
  });

  /** A TLS handshake between two openvpn processes over loopback UDP, with no tun device. */
  async function handshake(material: { ca: string; server: IssuedCertificate; client: IssuedCertificate; crl: string }): Promise<{ server: Promise<string>; client: Promise<string> }> {
    const port = String(20000 + Math.floor(Math.random() * 30000));
    const paths = {
      ca: file('ovpn-ca.pem', material.ca),
      crl: file('ovpn-crl.pem', material.crl),
      serverCert: file('ovpn-server.pem', material.server.certificatePem),
      serverKey: file('ovpn-server.key', material.server.privateKeyPem),
      clientCert: file('ovpn-client.pem', material.client.certificatePem),
      clientKey: file('ovpn-client.key', material.client.privateKeyPem),
    };
    const common = ['--dev', 'null', '--proto', 'udp', '--verb', '3', '--ca', paths.ca, '--ping-exit', '30'];
    const server = spawn('openvpn', [...common, '--lport', port, '--tls-server', '--dh', 'none', '--cert', paths.serverCert, '--key', paths.serverKey, '--remote-cert-tls', 'client', '--crl-verify', paths.crl]);
    children.push(server);
    const serverReady = waitForOutput(server, /CRL: loaded 1 CRLs/, 10_000);
    await serverReady;
    const client = spawn('openvpn', [...common, '--remote', '127.0.0.1', port, '--nobind', '--tls-client', '--cert', paths.clientCert, '--key', paths.clientKey, '--remote-cert-tls', 'server', '--verify-x509-name', material.server.subjectCommonName, 'name']);
    children.push(client);
    return { server: serverReady.then(() => waitForOutput(server, /Peer Connection Initiated|certificate revoked/, 15_000)), client: waitForOutput(client, /Initialization Sequence Completed|TLS Error/, 15_000) };
  }

  it('accepts a generated server and client with remote-cert-tls, and rejects the client once revoked', async () => {
    const now = new Date(); // openvpn checks validity against the real clock
    const liveCa = await createCertificateAuthority({ commonName: 'Live CA', validDays: 2, now });
    const liveServer = await issueCertificate({ issuer: liveCa, kind: 'server', commonName: 'live.example.test', validDays: 1, now });
    const liveClient = await issueCertificate({ issuer: liveCa, kind: 'client', commonName: 'erin', validDays: 1, now });
    const nextUpdate = new Date(now.getTime() + DAY);

    const ok = await handshake({ ca: liveCa.certificatePem, server: liveServer, client: liveClient, crl: buildCrl({ issuer: liveCa, revoked: [], thisUpdate: now, nextUpdate }) });
    assert.match(await ok.client, /Initialization Sequence Completed/);
    assert.match(await ok.server, /VERIFY EKU OK[\s\S]*\[erin\] Peer Connection Initiated/);
    for (const child of children.splice(0)) child.kill();

    const revokedCrl = buildCrl({ issuer: liveCa, revoked: [{ serial: liveClient.serial, revokedAt: now, reason: 'keyCompromise' }], thisUpdate: now, nextUpdate });
    const refused = await handshake({ ca: liveCa.certificatePem, server: liveServer, client: liveClient, crl: revokedCrl });
    refused.client.catch(() => undefined); // a refused client just retries; only the server's verdict matters
    assert.match(await refused.server, /VERIFY ERROR: depth=0, error=certificate revoked: CN=erin/);
  });
});
