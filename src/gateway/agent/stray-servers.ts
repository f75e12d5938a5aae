import { existsSync, readdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { OpenVpnLauncher } from './openvpn-launcher.ts';
import { removeServerFiles, serverPaths } from './server-files.ts';

/**
 * A server deleted (or moved to another gateway) while this agent was not running is never
 * named to it again, yet its OpenVPN — detached, so it outlived the agent — would keep serving
 * its users and its key would stay on disk. At start, before anything is applied, each server
 * directory the control plane no longer lists has its OpenVPN stopped and its files removed.
 * Returns the ids of the servers it removed.
 */
export async function removeStrayServers(gatewayDir: string, launcher: OpenVpnLauncher, keep: (serverId: string) => boolean, log: Logger): Promise<string[]> {
  const removed: string[] = [];
  for (const serverId of serverDirs(gatewayDir)) {
    if (keep(serverId)) continue;
    const paths = serverPaths(gatewayDir, serverId);
    // Adopted only if the pid still is an openvpn started with this server's config.
    const adopted = await launcher.adopt(paths.pidFile);
    if (adopted) await adopted.stop();
    removeServerFiles(paths);
    log.info({ serverId, stoppedPid: adopted?.pid }, 'removed a server no longer placed here (deleted or moved while the agent was away)');
    removed.push(serverId);
  }
  return removed;
}

/** Directories that hold a server's OpenVPN (its config or pid file), nothing else kept there. */
function serverDirs(gatewayDir: string): string[] {
  let entries;
  try {
    entries = readdirSync(gatewayDir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => {
      const paths = serverPaths(gatewayDir, name);
      return existsSync(paths.config) || existsSync(paths.pidFile);
    });
}
