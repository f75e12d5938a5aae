import { SluiceError, fieldError, notFound } from '../../errors/catalogue.ts';
import { inTransaction } from '../../store/database.ts';
import { disconnectAllOfServer } from '../../store/clients.ts';
import { deleteServerRow, findServer, findServerByName, insertServer, listAllServers, serverUsingPort, updateServer } from '../../store/vpn-servers.ts';
import { validateClientIpPool } from '../shared/cidr.ts';
import { generateName, newId } from '../shared/ids.ts';
import type { DomainContext } from '../context.ts';
import type { CertificateDirectory } from '../certificates/directory.ts';
import type { ClientAuthentication, Protocol, Reference, VpnServer } from './model.ts';
import { etagOf } from './model.ts';

export interface VpnServerInput {
  name?: string;
  certificate?: { crn: string };
  client_authentication?: ClientAuthenticationInput[];
  client_ip_pool?: string;
  client_dns_server_ips?: { address: string }[] | null;
  client_idle_timeout?: number;
  client_auto_delete_timeout?: number;
  client_auto_delete_timeout_seconds?: number;
  enable_split_tunneling?: boolean;
  port?: number;
  protocol?: Protocol;
  subnets?: ReferenceInput[];
  security_groups?: ReferenceInput[];
  resource_group?: ReferenceInput;
}

/** The reference identifies a resource by id, crn or href; any of them will do here. */
export interface ReferenceInput {
  id?: string | undefined;
  crn?: string | undefined;
  href?: string | undefined;
}

export function toReference(input: ReferenceInput): Reference {
  const id = input.id ?? input.crn?.split(':').at(-1) ?? input.href?.split('/').at(-1) ?? 'unknown';
  return { id, ...(input.crn !== undefined && { crn: input.crn }), ...(input.href !== undefined && { href: input.href }) };
}

export interface ClientAuthenticationInput {
  method: 'certificate' | 'username';
  client_ca?: { crn: string };
  crl?: string;
  identity_provider?: { provider_type: 'iam' };
}

export const DEFAULTS = {
  port: 443,
  protocol: 'udp' as Protocol,
  clientIdleTimeout: 600,
  autoDeleteSeconds: 3600,
};

const LOCAL_SUBNET: Reference = { id: 'local' };

function autoDeleteSeconds(input: VpnServerInput, current: number): number {
  if (input.client_auto_delete_timeout_seconds !== undefined) return input.client_auto_delete_timeout_seconds;
  if (input.client_auto_delete_timeout !== undefined) return input.client_auto_delete_timeout * 3600;
  return current;
}

/** A certificate method whose client CA is still to be created, once the whole request has passed. */
const NEW_CLIENT_CA = 'new-client-ca';

/**
 * Checks the methods and resolves each certificate method's client CA: the one named; else, on a
 * PATCH, the server's current one (so the profiles handed out keep working); else a CA of the
 * server's own, created by `createPendingClientCa` after every check passed. A `crl` must be a
 * current CRL issued by that CA, and is kept re-encoded.
 */
async function resolveClientAuthentication(
  certs: CertificateDirectory,
  input: ClientAuthenticationInput[],
  current?: VpnServer,
): Promise<ClientAuthentication[]> {
  const methods = new Set(input.map((a) => a.method));
  if (methods.size !== input.length) {
    throw fieldError('invalid_value', 'client_authentication', 'client_authentication lists the same method twice');
  }
  const currentCa = current?.clientAuthentication.find((a) => a.method === 'certificate');
  const out: ClientAuthentication[] = [];
  for (const [index, auth] of input.entries()) {
    if (auth.method === 'username') {
      out.push({ method: 'username', identity_provider: { provider_type: 'iam' } });
      continue;
    }
    const field = `client_authentication[${index}]`;
    const crn = auth.client_ca?.crn ?? (currentCa?.method === 'certificate' ? currentCa.client_ca.crn : undefined);
    if (crn !== undefined) await certs.requireCertificateAuthority(crn, `${field}.client_ca.crn`);
    if (auth.crl !== undefined && crn === undefined) {
      throw fieldError('certificate_invalid', `${field}.crl`, 'a crl needs the client_ca that issued it; a new server without client_ca gets a CA of its own, which has revoked nothing');
    }
    const crl = auth.crl === undefined || crn === undefined ? undefined : await certs.checkCrl(crn, auth.crl, `${field}.crl`);
    const client_ca = { crn: crn ?? NEW_CLIENT_CA };
    out.push(crl === undefined ? { method: 'certificate', client_ca } : { method: 'certificate', client_ca, crl });
  }
  return out;
}

/** Creates the server's own client CA where one is pending; call only when nothing else can fail. */
async function createPendingClientCa(certs: CertificateDirectory, serverName: string, auths: ClientAuthentication[]): Promise<ClientAuthentication[]> {
  const out: ClientAuthentication[] = [];
  for (const auth of auths) {
    out.push(auth.method === 'certificate' && auth.client_ca.crn === NEW_CLIENT_CA ? { ...auth, client_ca: { crn: await certs.createClientCa(serverName) } } : auth);
  }
  return out;
}

async function assertNameFree(ctx: DomainContext, name: string, exceptId: string): Promise<void> {
  const other = await findServerByName(ctx.store.db, name);
  if (other && other.id !== exceptId) throw fieldError('name_conflict', 'name', `a VPN server named ${name} already exists`, name);
}

async function assertPortFree(ctx: DomainContext, port: number, protocol: string, exceptId: string): Promise<void> {
  const other = await serverUsingPort(ctx.store.db, port, protocol, exceptId);
  if (other) throw fieldError('port_conflict', 'port', `VPN server ${other} already listens on ${protocol}/${port}`, port);
}

export async function createVpnServer(ctx: DomainContext, certs: CertificateDirectory, input: VpnServerInput): Promise<VpnServer> {
  if (input.client_ip_pool === undefined) throw fieldError('missing_field', 'client_ip_pool', 'client_ip_pool is required');
  if (input.client_authentication === undefined) {
    throw fieldError('missing_field', 'client_authentication', 'client_authentication is required');
  }
  validateClientIpPool(input.client_ip_pool);
  const id = newId();
  const name = input.name ?? generateName();
  const port = input.port ?? DEFAULTS.port;
  const protocol = input.protocol ?? DEFAULTS.protocol;
  // Everything the caller can get wrong is checked before anything is written (a built-in server
  // certificate is issued only for a request that will succeed).
  const checkedAuthentication = await resolveClientAuthentication(certs, input.client_authentication);
  if (input.certificate) await certs.requireServerCertificate(input.certificate.crn, 'certificate.crn');
  await assertNameFree(ctx, name, id);
  await assertPortFree(ctx, port, protocol, id);
  const certificateCrn = input.certificate?.crn ?? (await certs.issueBuiltInServerCertificate(name));
  const clientAuthentication = await createPendingClientCa(certs, name, checkedAuthentication);
  const now = ctx.clock.now();
  const server: VpnServer = {
    id,
    name,
    crn: `crn:v1:sluice:private:is:local:a/${ctx.accountId}::vpn-server:${id}`,
    certificateCrn,
    clientAuthentication,
    clientAutoDeleteTimeoutSeconds: autoDeleteSeconds(input, DEFAULTS.autoDeleteSeconds),
    clientDnsServerIps: (input.client_dns_server_ips ?? []).map((d) => d.address),
    clientIdleTimeout: input.client_idle_timeout ?? DEFAULTS.clientIdleTimeout,
    clientIpPool: input.client_ip_pool,
    enableSplitTunneling: input.enable_split_tunneling ?? false,
    port,
    protocol,
    lifecycleState: 'pending',
    lifecycleReasons: [],
    healthState: 'inapplicable',
    healthReasons: [],
    subnets: input.subnets?.map(toReference) ?? [LOCAL_SUBNET],
    securityGroups: input.security_groups?.map(toReference) ?? [],
    vpc: { id: 'local', name: 'local' },
    resourceGroup: input.resource_group ? toReference(input.resource_group) : { id: 'default', name: 'default' },
    revision: 1,
    createdAt: now,
  };
  try {
    await insertServer(ctx.store.db, server, now);
  } catch (error) {
    // Two creates racing for one name: the unique index decides, the loser gets the same 409.
    if (await findServerByName(ctx.store.db, name)) throw fieldError('name_conflict', 'name', `a VPN server named ${name} already exists`, name);
    throw error;
  }
  ctx.gateway.serverChanged(id);
  return server;
}

/** Every VPN server, deleting ones included; the API filters and pages them. */
export function listVpnServers(ctx: DomainContext): Promise<VpnServer[]> {
  return listAllServers(ctx.store.db);
}

export async function getVpnServer(ctx: DomainContext, id: string): Promise<VpnServer> {
  const server = await findServer(ctx.store.db, id);
  if (!server) throw notFound('VPN server', id);
  return server;
}

function assertIfMatch(server: VpnServer, ifMatch: string | undefined): void {
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== etagOf(server)) {
    throw new SluiceError('etag_mismatch', `If-Match ${ifMatch} does not match the current ETag ${etagOf(server)}`, {
      name: 'If-Match',
      type: 'header',
      value: ifMatch,
    });
  }
}

const ARRAY_FIELDS = ['client_authentication', 'client_dns_server_ips', 'subnets'] as const;

/** Merge-patch. Any change but `name` makes the gateway re-apply the server, which drops its clients. */
export async function updateVpnServer(
  ctx: DomainContext,
  certs: CertificateDirectory,
  id: string,
  patch: VpnServerInput,
  ifMatch: string | undefined,
): Promise<VpnServer> {
  const current = await getVpnServer(ctx, id);
  const arrayField = ARRAY_FIELDS.find((f) => patch[f] !== undefined);
  if (arrayField && ifMatch === undefined) {
    throw new SluiceError('if_match_required', `changing ${arrayField} needs an If-Match header with the server's ETag`, {
      name: 'If-Match',
      type: 'header',
    });
  }
  assertIfMatch(current, ifMatch);
  if (current.lifecycleState === 'deleting') throw new SluiceError('resource_busy', `VPN server ${id} is being deleted`);
  const next: VpnServer = { ...current, revision: current.revision + 1 };
  if (patch.name !== undefined) {
    await assertNameFree(ctx, patch.name, id);
    next.name = patch.name;
  }
  if (patch.client_ip_pool !== undefined) {
    validateClientIpPool(patch.client_ip_pool);
    next.clientIpPool = patch.client_ip_pool;
  }
  if (patch.client_authentication !== undefined) next.clientAuthentication = await resolveClientAuthentication(certs, patch.client_authentication, current);
  if (patch.certificate !== undefined) {
    await certs.requireServerCertificate(patch.certificate.crn, 'certificate.crn');
    next.certificateCrn = patch.certificate.crn;
  }
  if (patch.client_dns_server_ips !== undefined) next.clientDnsServerIps = (patch.client_dns_server_ips ?? []).map((d) => d.address);
  if (patch.client_idle_timeout !== undefined) next.clientIdleTimeout = patch.client_idle_timeout;
  if (patch.enable_split_tunneling !== undefined) next.enableSplitTunneling = patch.enable_split_tunneling;
  if (patch.port !== undefined) next.port = patch.port;
  if (patch.protocol !== undefined) next.protocol = patch.protocol;
  if (patch.subnets !== undefined) next.subnets = patch.subnets.map(toReference);
  next.clientAutoDeleteTimeoutSeconds = autoDeleteSeconds(patch, current.clientAutoDeleteTimeoutSeconds);
  if (patch.port !== undefined || patch.protocol !== undefined) await assertPortFree(ctx, next.port, next.protocol, id);
  next.clientAuthentication = await createPendingClientCa(certs, next.name, next.clientAuthentication);
  const needsRestart = JSON.stringify(runtimeShape(next)) !== JSON.stringify(runtimeShape(current));
  if (needsRestart) next.lifecycleState = 'updating';
  const written = await updateServer(ctx.store.db, next, current.revision, ctx.clock.now());
  if (!written) {
    throw new SluiceError('etag_mismatch', `VPN server ${id} changed while this update was applied; fetch it and retry`, {
      name: 'If-Match',
      type: 'header',
    });
  }
  if (needsRestart) ctx.gateway.serverChanged(id);
  return next;
}

/** What the gateway renders into OpenVPN's config: a change here restarts the server. */
function runtimeShape(server: VpnServer): unknown[] {
  return [
    server.certificateCrn,
    server.clientAuthentication,
    server.clientDnsServerIps,
    server.clientIdleTimeout,
    server.clientIpPool,
    server.enableSplitTunneling,
    server.port,
    server.protocol,
    server.subnets,
  ];
}

/** Marks the server `deleting`; the gateway stops it and then calls `finishVpnServerDeletion`. */
export async function deleteVpnServer(ctx: DomainContext, id: string, ifMatch: string | undefined): Promise<VpnServer> {
  const current = await getVpnServer(ctx, id);
  assertIfMatch(current, ifMatch);
  if (current.lifecycleState === 'deleting') return current;
  const next: VpnServer = { ...current, lifecycleState: 'deleting', revision: current.revision + 1 };
  await updateServer(ctx.store.db, next, current.revision, ctx.clock.now());
  ctx.gateway.serverDeleted(id);
  return next;
}

export async function finishVpnServerDeletion(ctx: DomainContext, id: string): Promise<void> {
  await inTransaction(ctx.store.db, async (trx) => {
    await disconnectAllOfServer(trx, id, ctx.clock.now(), 0);
    await deleteServerRow(trx, id);
  });
  ctx.bus.notify(id);
}
