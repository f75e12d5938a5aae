import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { AuditEvent } from '../../../domain/audit/model.ts';

export function presentAuditEvent(e: AuditEvent, base: string) {
  return {
    id: e.id,
    href: `${base}/v1/audit_events/${e.id}`,
    created_at: toTimestamp(e.at),
    request_id: e.requestId,
    operation: e.operation,
    method: e.method,
    path: e.path,
    target: { resource_type: e.target.type, ...(e.target.id !== null && { id: e.target.id }), ...(e.target.vpnServerId !== null && { vpn_server_id: e.target.vpnServerId }) },
    actor: {
      ...(e.actor.userId !== null && { user_id: e.actor.userId }),
      ...(e.actor.userName !== null && { user_name: e.actor.userName }),
      ...(e.actor.apiKeyId !== null && { api_key_id: e.actor.apiKeyId }),
      address: e.actor.address,
    },
    outcome: e.outcome,
    status_code: e.statusCode,
    ...(e.errorCode !== null && { error_code: e.errorCode }),
  };
}
