import type { AgentRequest, ControlNotice, KillOrder, StoredSessionReport } from '../../gateway/channel.ts';

/**
 * Session keys are OpenVPN's own `<process start>:<cid>`, unique within one gateway only: two
 * gateways serving one server (high availability) can start OpenVPN in the same second. A remote
 * gateway's keys are stored as `<gateway id>/<key>`, so each gateway reconciles, kills and reports
 * only its own sessions, and the agent never sees another gateway's key. The embedded gateway's
 * keys stay as they are.
 */
const scoped = (gatewayId: string, key: string): string => `${gatewayId}/${key}`;

/** The remote gateway a stored session key belongs to; undefined for the embedded gateway's. */
export function gatewayOfKey(key: string): string | undefined {
  const slash = key.indexOf('/');
  return slash > 0 ? key.slice(0, slash) : undefined;
}

/** The gateway's own key, or undefined when `key` belongs to another gateway. */
function own(gatewayId: string, key: string): string | undefined {
  const prefix = `${gatewayId}/`;
  return key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
}

/** A request with every session key it carries scoped to the gateway that sent it. */
export function scopeRequest(gatewayId: string, request: AgentRequest): AgentRequest {
  const key = (k: string): string => scoped(gatewayId, k);
  switch (request.type) {
    case 'session_established':
      return { ...request, session: { ...request.session, sessionKey: key(request.session.sessionKey) } };
    case 'session_ended':
      return { ...request, session: { ...request.session, sessionKey: key(request.session.sessionKey) } };
    case 'authorize':
      return { ...request, sessionKey: key(request.sessionKey) };
    case 'attempts_ended':
      return { ...request, sessionKeys: request.sessionKeys.map(key) };
    case 'session_traffic':
      return { ...request, sessions: request.sessions.map((s) => ({ ...s, sessionKey: key(s.sessionKey) })) };
    default:
      return request;
  }
}

/** The stored sessions this gateway holds, in its own keys. */
export function ownStoredSessions(gatewayId: string, sessions: StoredSessionReport[]): StoredSessionReport[] {
  return sessions.flatMap((session) => {
    const sessionKey = own(gatewayId, session.sessionKey);
    return sessionKey === undefined ? [] : [{ ...session, sessionKey }];
  });
}

/** The kills meant for this gateway, in its own keys. */
export function ownKills(gatewayId: string, kills: readonly KillOrder[]): KillOrder[] {
  return kills.flatMap((kill) => {
    const sessionKey = own(gatewayId, kill.sessionKey);
    return sessionKey === undefined ? [] : [{ ...kill, sessionKey }];
  });
}

/** The notice as this gateway should hear it; undefined when it names only other gateways' sessions. */
export function noticeFor(gatewayId: string, notice: ControlNotice): ControlNotice | undefined {
  if (notice.type !== 'kill_requested' || notice.kills === undefined) return notice;
  const kills = ownKills(gatewayId, notice.kills);
  return kills.length > 0 ? { ...notice, kills } : undefined;
}
