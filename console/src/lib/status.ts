/** Status → Carbon Tag colour and label. */
export type TagType = 'green' | 'red' | 'blue' | 'gray' | 'magenta' | 'purple' | 'cyan' | 'teal' | 'warm-gray' | 'cool-gray' | 'high-contrast' | 'outline';

export interface StatusTag {
  label: string;
  type: TagType;
}

const title = (s: string) => (s ? s.charAt(0).toUpperCase() + s.slice(1).replace(/_/g, ' ') : 'Unknown');

/** The health states every tag agrees on; `inapplicable` and unknown ones differ by place. */
const HEALTH = new Map<string, StatusTag>([
  ['ok', { label: 'OK', type: 'green' }],
  ['degraded', { label: 'Degraded', type: 'magenta' }],
  ['faulted', { label: 'Faulted', type: 'red' }],
]);

/** One tag for a server: lifecycle first (a server that is not stable says so), then health. */
export function serverStatus(lifecycle: string, health: string): StatusTag {
  switch (lifecycle) {
    case 'stable': {
      const h = HEALTH.get(health);
      return h ? { label: `Stable · ${h.label}`, type: h.type } : { label: 'Stable', type: 'green' };
    }
    case 'pending':
    case 'updating':
    case 'waiting':
      return { label: title(lifecycle), type: 'blue' };
    case 'deleting':
      return { label: 'Deleting', type: 'gray' };
    case 'failed':
      return { label: 'Failed', type: 'red' };
    case 'suspended':
      return { label: 'Suspended', type: 'warm-gray' };
    default:
      return { label: title(lifecycle), type: 'cool-gray' };
  }
}

export function healthTag(health: string): StatusTag {
  if (health === 'inapplicable') return { label: 'Inapplicable', type: 'gray' };
  return HEALTH.get(health) ?? { label: title(health), type: 'cool-gray' };
}

export function clientStatusTag(status: string, pending: boolean): StatusTag {
  if (pending && status === 'connected') return { label: 'Disconnecting…', type: 'blue' };
  if (status === 'connected') return { label: 'Connected', type: 'green' };
  if (status === 'disconnected') return { label: 'Disconnected', type: 'gray' };
  return { label: title(status), type: 'cool-gray' };
}

/** A gateway's status: connected green, pending (never joined) blue, disconnected red once it had joined. */
export function gatewayStatusTag(status: string): StatusTag {
  if (status === 'connected') return { label: 'Connected', type: 'green' };
  if (status === 'pending') return { label: 'Pending', type: 'blue' };
  if (status === 'disconnected') return { label: 'Disconnected', type: 'red' };
  return { label: title(status), type: 'cool-gray' };
}
