/** Status → Carbon Tag colour and label. */
export type TagType = 'green' | 'red' | 'blue' | 'gray' | 'magenta' | 'purple' | 'cyan' | 'teal' | 'warm-gray' | 'cool-gray' | 'high-contrast' | 'outline';

export interface StatusTag {
  label: string;
  type: TagType;
}

const title = (s: string) => (s ? s.charAt(0).toUpperCase() + s.slice(1).replace(/_/g, ' ') : 'Unknown');

/** One tag for a server: lifecycle first (a server that is not stable says so), then health. */
export function serverStatus(lifecycle: string, health: string): StatusTag {
  switch (lifecycle) {
    case 'stable':
      if (health === 'ok') return { label: 'Stable · OK', type: 'green' };
      if (health === 'degraded') return { label: 'Stable · Degraded', type: 'magenta' };
      if (health === 'faulted') return { label: 'Stable · Faulted', type: 'red' };
      return { label: 'Stable', type: 'green' };
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
  switch (health) {
    case 'ok':
      return { label: 'OK', type: 'green' };
    case 'degraded':
      return { label: 'Degraded', type: 'magenta' };
    case 'faulted':
      return { label: 'Faulted', type: 'red' };
    case 'inapplicable':
      return { label: 'Inapplicable', type: 'gray' };
    default:
      return { label: title(health), type: 'cool-gray' };
  }
}

export function clientStatusTag(status: string, pending: boolean): StatusTag {
  if (pending && status === 'connected') return { label: 'Disconnecting…', type: 'blue' };
  if (status === 'connected') return { label: 'Connected', type: 'green' };
  if (status === 'disconnected') return { label: 'Disconnected', type: 'gray' };
  return { label: title(status), type: 'cool-gray' };
}
