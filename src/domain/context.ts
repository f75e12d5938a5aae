import type { Store } from '../store/database.ts';
import type { Clock } from './shared/clock.ts';
import type { ChangeBus } from './events/bus.ts';
import type { VpnClient } from './clients/model.ts';

/**
 * What the domain tells the gateway side. Calls are notifications, not RPCs: the durable intent is
 * already in the store when they are made, so a gateway that misses one catches up on (re)attach.
 */
export interface GatewayPort {
  serverChanged(serverId: string): void;
  serverDeleted(serverId: string): void;
  /**
   * Disconnects or deletes of live sessions were committed; `clients` are the records as written
   * (session key, intent, cause), so the gateway can end the sessions without asking back. One
   * call per commit: a bulk disconnect reaches the agent as one notice, not one per session.
   */
  clientIntents(serverId: string, clients: readonly VpnClient[]): void;
  /** A gateway's credential was revoked: its live connection, if any, ends at once. */
  gatewayRevoked(gatewayId: string): void;
}

export interface DomainContext {
  store: Store;
  clock: Clock;
  bus: ChangeBus;
  gateway: GatewayPort;
  /** Account id shown in CRNs and by `sluice target`; fixed at first start. */
  accountId: string;
}

/** Who asked for a change, as recorded in the audit trail. */
export type Actor = string | null;
