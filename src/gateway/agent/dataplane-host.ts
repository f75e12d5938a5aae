/**
 * What the data plane needs from the gateway host, checked once for all its VPN servers: an `nft`
 * that runs and may change the packet filter (CAP_NET_ADMIN), and IPv4 forwarding on in this
 * network namespace. Also the sweep at agent start that removes tables of servers that are gone.
 *
 * A missing part never stops sessions: servers run, and report `dataplane_unavailable` with what
 * is missing, until a re-check (every 30 s) finds it fixed.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { TABLE_PREFIX } from '../dataplane/names.ts';
import { parseOwner, parseTables } from '../dataplane/listing.ts';
import { renderRemoval } from '../dataplane/ruleset.ts';
import { ensureIpv4Forwarding, IPV4_FORWARDING } from '../io/forwarding.ts';
import { NftError, type Nft } from '../io/nft.ts';

export interface DataPlaneHostOptions {
  nft: Nft;
  /** Holds `gateway-id`, the mark that tells this installation's tables from any other's. */
  gatewayDir: string;
  egressInterfaces: readonly string[];
  /** Where IPv4 forwarding is switched (tests point elsewhere). */
  forwardingPath?: string;
  now(): number;
  log: Logger;
}

export interface HostReadiness {
  /** `nft` runs with the privilege to change the packet filter. */
  canApply: boolean;
  /** What is missing, each naming the part; empty when all is well. */
  problems: string[];
}

const RECHECK_MS = 30_000;

function loadGatewayId(gatewayDir: string): string {
  const file = join(gatewayDir, 'gateway-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{16}$/.test(id)) return id;
  } catch {
    // first start: made below
  }
  mkdirSync(gatewayDir, { recursive: true, mode: 0o700 });
  const id = randomBytes(8).toString('hex');
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}

export class DataPlaneHost {
  readonly gatewayId: string;
  private readiness: HostReadiness | undefined;
  private checkedAt = 0;
  private checking: Promise<HostReadiness> | undefined;

  constructor(readonly options: DataPlaneHostOptions) {
    this.gatewayId = loadGatewayId(options.gatewayDir);
  }

  get nft(): Nft {
    return this.options.nft;
  }

  get log(): Logger {
    return this.options.log;
  }

  /** The last known readiness without waiting (undefined before the first check). */
  get known(): HostReadiness | undefined {
    return this.readiness;
  }

  /** Checks, or answers from the last check: at once when all was well, after 30 s when not. */
  async ready(): Promise<HostReadiness> {
    const fresh = this.readiness !== undefined && (this.readiness.problems.length === 0 || this.options.now() - this.checkedAt < RECHECK_MS);
    if (fresh && this.readiness) return this.readiness;
    this.checking ??= this.check().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async check(): Promise<HostReadiness> {
    const problems: string[] = [];
    let canApply = true;
    try {
      await this.nft.version();
      // Reading the kernel's tables needs the same privilege as changing them.
      await this.nft.listJson('tables');
    } catch (error) {
      canApply = false;
      problems.push(error instanceof NftError && error.failure === 'missing' ? `${error.message}; VPN routes are not enforced` : `${(error as Error).message}; VPN routes are not enforced`);
    }
    // Forwarding is only touched when nft works: a gateway that cannot filter must not start routing.
    if (canApply) {
      const forwarding = await ensureIpv4Forwarding(this.options.forwardingPath ?? IPV4_FORWARDING);
      if (!forwarding.on) problems.push(`${forwarding.reason}; VPN clients reach nothing behind the gateway`);
      else if (forwarding.turnedOn) this.log.warn({ path: this.options.forwardingPath ?? IPV4_FORWARDING }, 'turned on IPv4 forwarding for the VPN data plane');
    }
    const readiness = { canApply, problems };
    if (JSON.stringify(readiness) !== JSON.stringify(this.readiness)) {
      if (problems.length > 0) this.log.warn({ problems }, 'data plane unavailable');
      else this.log.info({ gatewayId: this.gatewayId }, 'data plane ready (nftables)');
    }
    this.readiness = readiness;
    this.checkedAt = this.options.now();
    return readiness;
  }

  /**
   * Removes this gateway's tables whose server is not one of `keep`: servers deleted while the
   * agent was away. Tables of another installation (another gateway id) or of unknown shape are
   * left alone.
   */
  async sweep(keep: (serverId: string) => boolean): Promise<string[]> {
    if (!(await this.ready()).canApply) return [];
    const removed: string[] = [];
    const tables = parseTables(await this.nft.listJson('tables')).filter((t) => t.family === 'inet' && t.name.startsWith(TABLE_PREFIX));
    for (const table of tables) {
      const owner = parseOwner(await this.nft.listText('table', 'inet', table.name).catch(() => ''));
      if (!owner || owner.gatewayId !== this.gatewayId || keep(owner.serverId)) continue;
      await this.nft.apply(renderRemoval(owner.serverId));
      removed.push(owner.serverId);
    }
    if (removed.length > 0) this.log.info({ servers: removed }, 'removed data-plane tables of servers that no longer exist');
    return removed;
  }
}
