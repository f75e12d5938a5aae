import { fieldError } from '../../errors/catalogue.ts';

/**
 * Who may use a route (a Sluice extension; AWS Client VPN calls these authorization rules):
 * sessions whose user ID (username auth) or certificate common name (certificate auth) is listed.
 * Absent = everyone, as in the reference. Sluice has no groups; users and common names are named
 * directly. The gateway enforces it on the data plane, so a session not allowed the route cannot
 * reach it even by adding the route by hand.
 */
export interface RouteAccess {
  users: string[];
  commonNames: string[];
}

/** The request's shape (`common_names`, snake case as on the wire). */
export interface RouteAccessInput {
  users?: string[] | undefined;
  common_names?: string[] | undefined;
}

export const MAX_ACCESS_ENTRIES = 100;
const MAX_ENTRY = 64;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function entries(field: string, values: readonly string[] | undefined): string[] {
  const out: string[] = [];
  (values ?? []).forEach((value, index) => {
    if (value.length === 0 || value.length > MAX_ENTRY || CONTROL.test(value) || value.trim() !== value) {
      throw fieldError('invalid_value', `${field}[${index}]`, `${field}[${index}] must be 1–${MAX_ENTRY} characters without control characters or surrounding spaces`, value);
    }
    if (!out.includes(value)) out.push(value);
  });
  return out;
}

/** Checks a request's access; an empty list of both would allow nobody, which a drop route says better. */
export function parseAccess(input: RouteAccessInput, action: string): RouteAccess {
  const access = { users: entries('access.users', input.users), commonNames: entries('access.common_names', input.common_names) };
  if (access.users.length + access.commonNames.length === 0) {
    throw fieldError('invalid_value', 'access', 'access must name at least one user or common name; leave it out for a route everyone may use');
  }
  if (access.users.length + access.commonNames.length > MAX_ACCESS_ENTRIES) {
    throw fieldError('invalid_value', 'access', `access names at most ${MAX_ACCESS_ENTRIES} users and common names together`);
  }
  if (action === 'drop') throw fieldError('invalid_value', 'access', 'a drop route drops for everyone; access applies to deliver and translate routes');
  return access;
}
