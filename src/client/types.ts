/**
 * Wire types of the Sluice API. They are not written here: each is the `Static` type of the TypeBox
 * schema that validates and documents it on the server (the same schema becomes the OpenAPI
 * document), so a field added to a schema reaches the CLI and the console with nothing to copy.
 *
 * Only types cross over (`import type`, erased at build time): the client — and the console bundle
 * built from it — never loads server code, Fastify or TypeBox.
 *
 * What the client sends (prototypes, patches) is typed exactly as the server validates it. What it
 * reads is `Tolerant`: the server documents that clients must tolerate new enum values (and error
 * codes), so closed string sets are read as open ones.
 */
import type * as servers from '../server/resources/vpn-servers/schema.ts';
import type * as clients from '../server/resources/clients/schema.ts';
import type * as routes from '../server/resources/vpn-server-routes/schema.ts';
import type * as identity from '../server/resources/identity/schema.ts';
import type * as lockouts from '../server/resources/lockouts/schema.ts';
import type * as monitoring from '../server/resources/monitoring/schema.ts';
import type * as audit from '../server/resources/audit-events/schema.ts';
import type * as gateways from '../server/resources/gateways/schema.ts';
import type * as shared from '../server/schemas.ts';

/** A closed set of strings read as an open one: the known values, or any other. */
export type Loose<T extends string> = T | (string & {});

/** A response as a tolerant reader sees it: every closed string set stays open. */
export type Tolerant<T> = T extends string
  ? string extends T
    ? T
    : Loose<T>
  : T extends readonly (infer U)[]
    ? Tolerant<U>[]
    : T extends object
      ? { [K in keyof T]: Tolerant<T[K]> }
      : T;

// --- sent ----------------------------------------------------------------------------------------
export type VpnServerPrototype = servers.VpnServerPrototype;
/** JSON merge patch of a server; `null` removes the DNS servers. */
export type VpnServerPatch = servers.VpnServerPatch;
export type ClientAuthentication = servers.ClientAuthenticationPrototype;
export type VpnServerRoutePrototype = routes.VpnServerRoutePrototype;
/** `access: null` lets everyone use the route again. */
export type VpnServerRoutePatch = routes.VpnServerRoutePatch;
/** Filters of the audit trail (paging and version parameters are the client's business). */
export type GatewayPrototype = gateways.GatewayPrototypeWire;
/** JSON merge patch of a gateway; `port_range: null` removes the range. */
export type GatewayPatch = gateways.GatewayPatchWire;
export type AuditEventQuery = Tolerant<Omit<audit.AuditEventListQuery, 'version' | 'generation' | 'start' | 'limit'>>;

// --- read ----------------------------------------------------------------------------------------
export type VpnServer = Tolerant<servers.VpnServer>;
export type VpnServerClient = Tolerant<clients.VpnServerClient>;
export type BulkDisconnectResult = Tolerant<clients.BulkDisconnectResult>;
/** One `event: client` message of the client event stream. */
export type ClientEvent = Tolerant<clients.ClientEvent>;
export type ClientEventType = ClientEvent['type'];
export type VpnServerRoute = Tolerant<routes.VpnServerRoute>;
/** Users (user IDs) and certificate common names that may use a route. */
export type RouteAccess = routes.RouteAccess;
export type Identity = Tolerant<identity.Identity>;
export type TokenResponse = Tolerant<identity.TokenAnswer>;
export type Passcode = identity.PasscodeAnswer;
/** A user or remote address locked out of VPN username authentication. */
export type VpnLockout = Tolerant<lockouts.VpnLockout>;
export type MonitoringPoint = monitoring.MonitoringPoint;
export type VpnServerMonitoring = Tolerant<monitoring.VpnServerMonitoring>;
/** The windows the monitoring series can be asked for. */
export type MonitoringWindow = monitoring.VpnServerMonitoring['window'];
export type AuditEvent = Tolerant<audit.AuditEventWire>;
/** A gateway host; `join_token` only in the answer that registered it. */
export type Gateway = Tolerant<gateways.GatewayWire>;
export type GatewayStatus = Gateway['status'];
/** A one-time join token, shown once. */
export type GatewayJoinToken = gateways.GatewayJoinTokenWire;
/** What `POST /gateway/join` answers: the gateway and its credential, shown once. */
export type GatewayJoin = gateways.GatewayJoinWire;
/** The reference error body; codes are open (a newer server may send new ones). */
export type ErrorBody = Tolerant<shared.ErrorBody>;

/** What every collection page carries besides its items: `first`, `next` (not on the last page), `limit`, `total_count`. */
export interface Collection {
  first: shared.PageLinkWire;
  next?: shared.PageLinkWire;
  limit: number;
  total_count: number;
}
