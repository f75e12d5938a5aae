import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { Lockout } from '../../../domain/identity/lockouts.ts';

/** The VPNLockout a lockout is on the wire. */
export const presentLockout = (l: Lockout) => ({ id: l.id, kind: l.kind, subject: l.subject, failures: l.failures, locked_until: toTimestamp(l.lockedUntil) });
