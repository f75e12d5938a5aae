import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The local UDP port a process has bound, from /proc: how a client process is matched to the
 * session OpenVPN reports (its `untrusted_port`, the API's `remote_port`) when all clients share
 * one certificate.
 */
export function udpPortOf(pid: number): number | undefined {
  let inodes: Set<string>;
  try {
    inodes = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined;
          }
        })
        .filter((inode): inode is string => inode !== undefined),
    );
  } catch {
    return undefined;
  }
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      const inode = cols[9];
      if (local !== undefined && inode !== undefined && inodes.has(inode)) return parseInt(local.split(':')[1] ?? '0', 16);
    }
  }
  return undefined;
}
