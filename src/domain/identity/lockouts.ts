import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { DomainContext } from '../context.ts';
import type { Counter } from '../../store/rate-limits.ts';
import { FailureBudget, type Rate } from '../limits/failure-budget.ts';

export interface VpnAuthLimits {
  /** Failed username authentications per user before the user is locked out. */
  user: Rate | null;
  /** Failed username authentications per remote address before the address is locked out. */
  address: Rate | null;
}

export interface Lockout {
  /** Stable id (`u-…` for a user name, `a-…` for an address; hex inside). */
  id: string;
  kind: 'user' | 'address';
  /** The user name or the remote address. */
  subject: string;
  failures: number;
  lockedUntil: number;
}

const hex = (bytes: Uint8Array | number[]): string => Buffer.from(bytes).toString('hex');

/** The address as one canonical text (IPv4-mapped IPv6 as IPv4); undefined when it is none. */
function addressBytes(address: string | undefined): number[] | undefined {
  if (!address) return undefined;
  // OpenVPN's untrusted_ip is a dotted quad for IPv4: read directly, it skips two full parses
  // on every VPN decision. isIPv4 takes exactly the canonical form (no leading zeros).
  if (isIPv4(address)) return address.split('.').map(Number);
  if (!ipaddr.isValid(address)) return undefined;
  const parsed = ipaddr.parse(address);
  const plain = parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
  return plain.toByteArray();
}

const userSubject = (username: string): string => `u-${hex(Buffer.from(username, 'utf8'))}`;
const addressSubject = (address: string | undefined): string | undefined => {
  const bytes = addressBytes(address);
  return bytes && `a-${hex(bytes)}`;
};

function describe(subject: string): { kind: Lockout['kind']; subject: string } {
  const bytes = Buffer.from(subject.slice(2), 'hex');
  if (subject.startsWith('u-')) return { kind: 'user', subject: bytes.toString('utf8') };
  return { kind: 'address', subject: ipaddr.fromByteArray([...bytes]).toString() };
}

/** The lockout counters of one attempt: its user's, its address's (when it has one), and both. */
export interface AttemptKeys {
  user: string;
  address: string | undefined;
  all: string[];
}

/**
 * Guessing passcodes over the VPN: failed username authentications are counted per user and per
 * remote address (OpenVPN's untrusted_ip). A full budget locks the user or the address out —
 * even a right passcode is refused — until the window ends or an Administrator lifts it.
 */
export class VpnAuthLockouts {
  private readonly users: FailureBudget;
  private readonly addresses: FailureBudget;

  constructor(ctx: DomainContext, limits: VpnAuthLimits) {
    this.users = new FailureBudget(ctx, 'vpnauth-user', limits.user);
    this.addresses = new FailureBudget(ctx, 'vpnauth-address', limits.address);
  }

  /**
   * The counters an attempt's check reads: its user's and its remote address's; undefined when
   * lockouts are off. Worked out once per decision, for the read and for `judge`.
   */
  attemptKeys(username: string, remoteAddress: string | undefined): AttemptKeys | undefined {
    if (!this.users.rate && !this.addresses.rate) return undefined;
    const user = this.users.key(userSubject(username));
    const subject = addressSubject(remoteAddress);
    const address = subject && this.addresses.key(subject);
    return { user, address, all: address ? [user, address] : [user] };
  }

  /**
   * Why the attempt is refused before its passcode is looked at (undefined when it may go on), and
   * whether the user has failures a success should clear — from the counters read for `keys`.
   */
  judge(counters: ReadonlyMap<string, Counter>, keys: AttemptKeys | undefined, remoteAddress: string | undefined): { refusal: string | undefined; userHasFailures: boolean } {
    if (!keys) return { refusal: undefined, userHasFailures: false };
    const user = counters.get(keys.user);
    const userHasFailures = user !== undefined && user.hits > 0;
    if (this.users.lockedBy(user) !== undefined) return { refusal: 'user is locked out after too many failed attempts', userHasFailures };
    if (keys.address && this.addresses.lockedBy(counters.get(keys.address)) !== undefined) {
      return { refusal: `remote address ${remoteAddress ?? ''} is locked out after too many failed attempts`, userHasFailures };
    }
    return { refusal: undefined, userHasFailures };
  }

  async failed(username: string, remoteAddress: string | undefined): Promise<void> {
    await this.users.fail([userSubject(username)]);
    const address = addressSubject(remoteAddress);
    if (address) await this.addresses.fail([address]);
  }

  /** A right passcode clears the user's failures (not the address's: others may guess from it). */
  async succeeded(username: string): Promise<void> {
    await this.users.forgive(userSubject(username));
  }

  async list(): Promise<Lockout[]> {
    const locked = [...(await this.users.locked('u-')), ...(await this.addresses.locked('a-'))];
    return locked.map((l) => ({ id: l.subject, ...describe(l.subject), failures: l.failures, lockedUntil: l.lockedUntil }));
  }

  /** Lifts one lockout by id; false when there was none. */
  async lift(id: string): Promise<boolean> {
    if (!/^[ua]-[0-9a-f]{2,512}$/.test(id)) return false;
    return (id.startsWith('u-') ? this.users : this.addresses).forgive(id);
  }
}
