import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { adminPgUrl } from '../../test/support/dialects.ts';

/** A prerequisite is missing: the run stops with this message, never a stack trace from deep inside. */
export class MissingPrerequisite extends Error {}

export function openvpnVersion(): string | undefined {
  try {
    return execFileSync('openvpn', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]?.trim();
  } catch (error) {
    // openvpn --version exits 1 on some builds but still prints its banner.
    const out = (error as { stdout?: string }).stdout;
    return typeof out === 'string' && out.startsWith('OpenVPN') ? out.split('\n')[0]?.trim() : undefined;
  }
}

export function requireOpenvpn(): void {
  if (openvpnVersion() === undefined) throw new MissingPrerequisite('openvpn is not installed (apt-get install openvpn); the disconnect and storm benchmarks drive real OpenVPN processes');
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    throw new MissingPrerequisite('openssl is not installed (apt-get install openssl); the raw OpenVPN baseline needs throwaway certificates');
  }
}

export async function postgresVersion(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: adminPgUrl(), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>('show server_version');
    return result.rows[0]?.server_version;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function requirePostgres(): Promise<void> {
  if ((await postgresVersion()) === undefined) {
    throw new MissingPrerequisite(`PostgreSQL does not answer at ${adminPgUrl().replace(/\/\/([^:@/]+):[^@]*@/, '//$1:***@')} (set SLUICE_TEST_PG_URL, or pass --dialects sqlite)`);
  }
}
