import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VpnClientProcess } from './openvpn-client.ts';

/** Serial of the client certificate embedded in a profile, as Sluice spells it (lowercase hex, no leading zeros). */
export function serialOfProfile(profile: string): string {
  const pem = /<cert>\s*([\s\S]*?)\s*<\/cert>/.exec(profile)?.[1];
  if (pem === undefined) throw new Error('profile has no <cert>');
  return new X509Certificate(pem).serialNumber.toLowerCase().replace(/^0+(?=.)/, '');
}

/**
 * What an attacker does with a profile for one server: points `remote` at another server's port
 * and drops the pin on the server's name, so the client itself does not stop at the other server.
 */
export function retarget(profile: string, port: number): string {
  return profile.replace(/^remote (\S+) \d+$/m, `remote $1 ${port}`).replace(/^verify-x509-name .*\n/m, '');
}

export const serverLog = (dataDir: string, serverId: string): string => {
  const path = join(dataDir, 'gateway', serverId, 'openvpn.log');
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
};

/**
 * Polls until the attempt is refused — `refusal` appears in the server's log or the client's
 * output — and fails the moment the client completes its connection instead.
 */
export async function refused(client: VpnClientProcess, refusal: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (client.output().includes('Initialization Sequence Completed')) throw new Error(`${what}: the client connected:\n${client.output()}`);
    if (refusal()) return;
    if (Date.now() > deadline) throw new Error(`${what}: no refusal within ${timeoutMs} ms:\n${client.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
