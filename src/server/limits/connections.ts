import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { normalizeIP } from '@fastify/rate-limit';
import type { LimitsConfig } from '../../config/limits.ts';

/** What the guard has seen, for logs and tests. */
export interface ConnectionStats {
  open: number;
  /** Connections closed at once because their address already held its share. */
  refusedPerAddress: number;
  /** Addresses holding at least one connection now. */
  addresses: number;
}

/**
 * Node options that keep a slow client from holding a socket: the headers must arrive within
 * headersTimeout and the whole request within requestTimeout, checked every second (Node checks
 * every 30 s by default, which lets a slowloris hold sockets for half a minute past the limit).
 */
export function serverTimeouts(limits: LimitsConfig): { connectionTimeout: number; requestTimeout: number; http: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } } {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: 1000 },
  };
}

/**
 * Caps open connections in total (Node refuses past `maxConnections` before any parsing) and per
 * client address (closed as soon as accepted), so one address cannot take every socket and
 * /healthz and other callers keep being served. IPv6 addresses count by /64. Behind a proxy every
 * connection comes from the proxy: size the per-address cap for it, or set it to 0.
 */
export function guardConnections(server: Server, limits: LimitsConfig): ConnectionStats {
  const stats: ConnectionStats = { open: 0, refusedPerAddress: 0, addresses: 0 };
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  const perAddress = new Map<string, number>();
  const cap = limits.maxConnectionsPerAddress;
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ? normalizeIP(socket.remoteAddress) : '';
    const held = perAddress.get(address) ?? 0;
    if (cap > 0 && held >= cap) {
      stats.refusedPerAddress += 1;
      socket.destroy();
      return;
    }
    perAddress.set(address, held + 1);
    stats.open += 1;
    stats.addresses = perAddress.size;
    socket.once('close', () => {
      stats.open -= 1;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
      stats.addresses = perAddress.size;
    });
  });
  return stats;
}
