/**
 * IPv4 forwarding of the network namespace this process runs in. /proc/sys/net is per namespace:
 * under `ip netns exec` it is that namespace's setting, not the host's.
 */
import { readFile, writeFile } from 'node:fs/promises';

export const IPV4_FORWARDING = '/proc/sys/net/ipv4/ip_forward';

export type ForwardingState = { on: true; turnedOn: boolean } | { on: false; reason: string };

/** Turns IPv4 forwarding on when it is off; says why when that is not possible (read-only /proc in a container, no privilege). */
export async function ensureIpv4Forwarding(path = IPV4_FORWARDING): Promise<ForwardingState> {
  try {
    if ((await readFile(path, 'utf8')).trim() === '1') return { on: true, turnedOn: false };
  } catch (error) {
    return { on: false, reason: `IPv4 forwarding cannot be read (${(error as Error).message})` };
  }
  try {
    await writeFile(path, '1\n');
    return { on: true, turnedOn: true };
  } catch (error) {
    return { on: false, reason: `IPv4 forwarding is off and cannot be turned on (${(error as NodeJS.ErrnoException).code ?? (error as Error).message} writing ${path})` };
  }
}
