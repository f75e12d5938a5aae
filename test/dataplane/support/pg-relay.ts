import { createServer, connect, type Server } from 'node:net';
import { join } from 'node:path';

/**
 * Lets a `sluice serve` inside a network namespace reach the test's PostgreSQL without any network
 * path between the namespace and the host: PostgreSQL's unix-socket name (`.s.PGSQL.<port>`) in a
 * directory of ours, piped to the real server on the host's loopback. A unix socket is a file, so
 * a process in any network namespace can open it. The URL for sluice: `host=<dir>` in the query.
 */
export async function relayPostgres(dir: string, target: URL): Promise<{ url(database: string): string; close(): Promise<void> }> {
  const port = Number(target.port || 5432);
  const server: Server = createServer((downstream) => {
    const upstream = connect({ host: target.hostname, port });
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
    server.listen(join(dir, `.s.PGSQL.${port}`), resolve);
  });
  return {
    url: (database) => `postgres://${target.username || 'postgres'}@localhost:${port}/${database}?host=${dir}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
