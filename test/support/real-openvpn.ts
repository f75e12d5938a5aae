/**
 * Helpers for tests that drive real `openvpn` processes: throwaway PKI via the openssl CLI, a
 * free loopback UDP port, and the "is openvpn here?" policy (skip loudly, or fail under CI=true).
 */
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export function findBinary(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Returns a reason to skip when openvpn/openssl are missing — or throws under CI=true, where a
 * missing binary must fail the run rather than silently skip the real-process tests.
 */
export function realOpenVpnSkipReason(): string | undefined {
  const missing = ['openvpn', 'openssl'].filter((name) => findBinary(name) === undefined);
  if (missing.length === 0) return undefined;
  const message = `REAL OPENVPN TESTS NOT RUN: ${missing.join(', ')} not installed`;
  if (process.env['CI'] === 'true') throw new Error(`${message} (CI=true requires them)`);
  process.stderr.write(`\n*** ${message} — skipping ***\n\n`);
  return message;
}

export interface TestPki {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a server cert (serverAuth) and a client cert (clientAuth) with the given CN; EC P-256. */
export function makeTestPki(dir: string, clientCommonName: string): TestPki {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=sluice-test-ca']);
  for (const [name, cn, usage] of [
    ['server', 'sluice-test-server', 'serverAuth'],
    ['client', clientCommonName, 'clientAuth'],
  ] as const) {
    writeFileSync(path.join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyAgreement\nextendedKeyUsage=${usage}\n`);
    openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
  }
  const at = (file: string): string => path.join(dir, file);
  return { ca: at('ca.crt'), serverCert: at('server.crt'), serverKey: at('server.key'), clientCert: at('client.crt'), clientKey: at('client.key') };
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Polls `condition` until true or the deadline passes (then throws naming `what`). */
export async function pollUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs: number, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
