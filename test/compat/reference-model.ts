/**
 * The reference's response models for the VPN-server operations, as IBM's VPC SDK declares them
 * (`VPNServer`, `ReservedIPReference`, …): each field the model marks required, with its type, and
 * the optional ones Sluice may send. Kept here, in the tests, so a response shape that drifts from
 * the reference fails even when Sluice's own schemas drift with it. Extra fields are allowed, as
 * the SDK ignores them.
 */
type FieldType = 'string' | 'integer' | 'boolean' | 'date-time' | Model | { array: FieldType } | { enum: readonly string[] };

export interface Model {
  name: string;
  required: Record<string, FieldType>;
  optional?: Record<string, FieldType>;
}

const model = (name: string, required: Record<string, FieldType>, optional: Record<string, FieldType> = {}): Model => ({ name, required, optional });
const array = (of: FieldType): FieldType => ({ array: of });
const oneOf = (...values: string[]): FieldType => ({ enum: values });

const Deleted = model('Deleted', { more_info: 'string' });
const IP = model('IP', { address: 'string' });
const PageLink = model('PageLink', { href: 'string' });
const CertificateInstanceReference = model('CertificateInstanceReference', { crn: 'string' });
export const ReservedIPReference = model('ReservedIPReference', { address: 'string', href: 'string', id: 'string', name: 'string', resource_type: oneOf('subnet_reserved_ip') }, { deleted: Deleted });
const ResourceGroupReference = model('ResourceGroupReference', { href: 'string', id: 'string', name: 'string' });
const SecurityGroupReference = model('SecurityGroupReference', { crn: 'string', href: 'string', id: 'string', name: 'string' }, { deleted: Deleted });
const SubnetReference = model('SubnetReference', { crn: 'string', href: 'string', id: 'string', name: 'string', resource_type: oneOf('subnet') }, { deleted: Deleted });
const VPCReference = model('VPCReference', { crn: 'string', href: 'string', id: 'string', name: 'string', resource_type: oneOf('vpc') }, { deleted: Deleted });
const Reason = (name: string) => model(name, { code: 'string', message: 'string' }, { more_info: 'string' });
const VPNServerAuthentication = model(
  'VPNServerAuthentication',
  { method: oneOf('certificate', 'username') },
  { client_ca: CertificateInstanceReference, crl: 'string', identity_provider: model('VPNServerAuthenticationByUsernameIdProvider', { provider_type: oneOf('iam') }) },
);

const LIFECYCLE = oneOf('deleting', 'failed', 'pending', 'stable', 'suspended', 'updating', 'waiting');
const HEALTH = oneOf('degraded', 'faulted', 'inapplicable', 'ok');

export const VPNServer = model('VPNServer', {
  certificate: CertificateInstanceReference,
  client_authentication: array(VPNServerAuthentication),
  client_auto_delete: 'boolean',
  client_auto_delete_timeout: 'integer',
  client_dns_server_ips: array(IP),
  client_idle_timeout: 'integer',
  client_ip_pool: 'string',
  created_at: 'date-time',
  crn: 'string',
  enable_split_tunneling: 'boolean',
  health_reasons: array(Reason('VPNServerHealthReason')),
  health_state: HEALTH,
  hostname: 'string',
  href: 'string',
  id: 'string',
  lifecycle_reasons: array(Reason('VPNServerLifecycleReason')),
  lifecycle_state: LIFECYCLE,
  name: 'string',
  port: 'integer',
  private_ips: array(ReservedIPReference),
  protocol: oneOf('tcp', 'udp'),
  resource_group: ResourceGroupReference,
  resource_type: oneOf('vpn_server'),
  security_groups: array(SecurityGroupReference),
  subnets: array(SubnetReference),
  vpc: VPCReference,
});

export const VPNServerClient = model(
  'VPNServerClient',
  { client_ip: IP, created_at: 'date-time', href: 'string', id: 'string', remote_ip: IP, remote_port: 'integer', resource_type: oneOf('vpn_server_client'), status: oneOf('connected', 'disconnected') },
  { common_name: 'string', disconnected_at: 'date-time', username: 'string' },
);

export const VPNServerRoute = model('VPNServerRoute', {
  action: oneOf('deliver', 'drop', 'translate'),
  created_at: 'date-time',
  destination: 'string',
  health_reasons: array(Reason('VPNServerRouteHealthReason')),
  health_state: HEALTH,
  href: 'string',
  id: 'string',
  lifecycle_reasons: array(Reason('VPNServerRouteLifecycleReason')),
  lifecycle_state: LIFECYCLE,
  name: 'string',
  resource_type: oneOf('vpn_server_route'),
});

const collection = (name: string, key: string, item: Model) => model(name, { first: PageLink, limit: 'integer', total_count: 'integer', [key]: array(item) }, { next: PageLink });
export const VPNServerCollection = collection('VPNServerCollection', 'vpn_servers', VPNServer);
export const VPNServerClientCollection = collection('VPNServerClientCollection', 'clients', VPNServerClient);
export const VPNServerRouteCollection = collection('VPNServerRouteCollection', 'routes', VPNServerRoute);

const ErrorTarget = model('ErrorTarget', { name: 'string', type: oneOf('field', 'parameter', 'header') }, { value: 'string' });
export const ErrorContainer = model('ErrorContainer', {
  errors: array(model('Error', { code: 'string', message: 'string' }, { more_info: 'string', target: ErrorTarget })),
  trace: 'string',
  status_code: 'integer',
});

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function check(type: FieldType, value: unknown, path: string, problems: string[]): void {
  if (type === 'string' || type === 'date-time') {
    if (typeof value !== 'string') problems.push(`${path} is ${JSON.stringify(value)}, not a string`);
    else if (type === 'date-time' && !RFC3339.test(value)) problems.push(`${path} ${value} is not an RFC 3339 date-time`);
  } else if (type === 'integer') {
    if (!Number.isInteger(value)) problems.push(`${path} is ${JSON.stringify(value)}, not an integer`);
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') problems.push(`${path} is ${JSON.stringify(value)}, not a boolean`);
  } else if ('array' in type) {
    if (!Array.isArray(value)) problems.push(`${path} is not an array`);
    else value.forEach((item, index) => check(type.array, item, `${path}[${index}]`, problems));
  } else if ('enum' in type) {
    if (typeof value !== 'string' || !type.enum.includes(value)) problems.push(`${path} is ${JSON.stringify(value)}, not one of ${type.enum.join(', ')}`);
  } else {
    problems.push(...conformance(type, value, path));
  }
}

/** Every way `value` falls short of `model` (empty when it conforms). */
export function conformance(target: Model, value: unknown, path = target.name): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path} is not an object (${target.name})`];
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [field, type] of Object.entries(target.required)) {
    if (record[field] === undefined) problems.push(`${path}.${field} is missing (required by ${target.name})`);
    else check(type, record[field], `${path}.${field}`, problems);
  }
  for (const [field, type] of Object.entries(target.optional ?? {})) {
    if (record[field] !== undefined) check(type, record[field], `${path}.${field}`, problems);
  }
  return problems;
}
