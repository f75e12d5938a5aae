import { createServer, connect } from 'node:net';
import { join } from 'node:path';

/**
 * A unix socket at `path` piped to `host:port` on the host's loopback. A unix socket is a file, so
 * a process in any network namespace can open it: this crosses into a namespace of the test's
 * without any route between it and the host.
 */
export async function relayUnixToTcp(path: string, host: string, port: number): Promise<{ close(): Promise<void> }> {
  const server = createServer((downstream) => {
    const upstream = connect({ host, port });
    downstream.pipe(upstream).pipe(downstream);
    const close = (): void => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return { close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * Lets a `sluice serve` inside a network namespace reach the test's PostgreSQL: PostgreSQL's
 * unix-socket name (`.s.PGSQL.<port>`) in a directory of ours, relayed to the real server on the
 * host's loopback. The URL for sluice: `host=<dir>` in the query.
 */
export async function relayPostgres(dir: string, target: URL): Promise<{ url(database: string): string; close(): Promise<void> }> {
  const port = Number(target.port || 5432);
  const relay = await relayUnixToTcp(join(dir, `.s.PGSQL.${port}`), target.hostname, port);
  return {
    url: (database) => `postgres://${target.username || 'postgres'}@localhost:${port}/${database}?host=${dir}`,
    close: relay.close,
  };
}
