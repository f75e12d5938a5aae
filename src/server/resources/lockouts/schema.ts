import { Type, type Static } from 'typebox';
import { Line, StringEnum, Timestamp, VersionQuery, named } from '../../schemas.ts';

export const LockoutId = Type.String({ pattern: '^[ua]-[0-9a-f]{2,512}$', minLength: 4, maxLength: 514, description: 'Lockout id.' });

export const LOCKOUT_EXAMPLE = { id: 'u-6d616c6c6f7279', kind: 'user', subject: 'mallory', failures: 5, locked_until: '2026-11-30T10:15:00.000Z' };

export const LockoutSchema = named('VPNLockout', Type.Object(
  {
    id: LockoutId,
    kind: StringEnum(['user', 'address'], 'What is locked out: a user name or a remote address.'),
    subject: Line('The user name or remote address.', 256),
    failures: Type.Integer({ minimum: 0, description: 'Failed VPN username authentications counted in the window.' }),
    locked_until: Timestamp,
  },
  { description: 'A user or remote address refused VPN username authentication after too many failures.' },
));

export const LockoutCollection = named('VPNLockoutCollection', Type.Object(
  { vpn_lockouts: Type.Array(LockoutSchema, { minItems: 0, maxItems: 100_000, description: 'Active lockouts, soonest end first.' }) },
  { description: 'Active lockouts.', example: { vpn_lockouts: [LOCKOUT_EXAMPLE] } },
));

export const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });

export const LockoutParams = Type.Object({ id: LockoutId }, { description: 'Path parameters.' });

export const Lifted = Type.Null({ description: 'Lifted.' });

// The wire types the typed client (src/client) reads, as types only.
export type VpnLockout = Static<typeof LockoutSchema>;
