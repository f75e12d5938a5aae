/**
 * Per-route access: who may use a route. Sluice identifies a VPN session by the user ID it
 * authenticated with (username auth) and the common name of its certificate (certificate auth).
 * Sluice has no groups; a route names users and common names directly.
 */

export interface RouteAccess {
  users: readonly string[];
  commonNames: readonly string[];
}

/** What the gateway knows of a live session that access rules can look at. */
export interface SessionIdentity {
  /** The session's address from the client IP pool. */
  address: string;
  /** Set only when the server authenticates users (as in the client record). */
  username: string | null;
  /** Set only when the server authenticates certificates (as in the client record). */
  commonName: string | null;
}

/** Absent access means everyone, as in the reference; otherwise a user or common name must be listed. */
export function mayUse(access: RouteAccess | undefined, session: SessionIdentity): boolean {
  if (access === undefined) return true;
  return (session.username !== null && access.users.includes(session.username)) || (session.commonName !== null && access.commonNames.includes(session.commonName));
}
