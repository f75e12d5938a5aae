import { SluiceError, fieldError, notFound } from '../../errors/catalogue.ts';
import { inTransaction } from '../../store/database.ts';
import { disconnectAllOfServer } from '../../store/clients.ts';
import { deleteServerRow, findServer, findServerByName, insertServer, listAllServers, serverUsingPort, updateServer } from '../../store/vpn-servers.ts';
import { validateClientIpPool } from '../shared/cidr.ts';
import { generateName, newId } from '../shared/ids.ts';
import type { DomainContext } from '../context.ts';
import { forgetServerFacts } from '../vpn-access/server-facts.ts';
import type { CertificateDirectory } from '../certificates/directory.ts';
import type { ClientAuthentication, Protocol, Reference, VpnServer } from './model.ts';
import { DEFAULT_CLIENT_RETENTION_SECONDS, EMBEDDED_SUBNET_ID, etagOf } from './model.ts';

/**
 * What a create or an update asks for, in the domain's terms (the API maps its bodies to it in
 * server/resources/vpn-servers/presenter.ts). On an update, an absent field stays as it is.
 */
export interface VpnServerSpec {
  name?: string;
  certificateCrn?: string;
  clientAuthentication?: ClientAuthenticationSpec[];
  clientIpPool?: string;
  clientDnsServerIps?: string[];
  clientIdleTimeout?: number;
  clientAutoDeleteTimeoutSeconds?: number;
  enableSplitTunneling?: boolean;
  port?: number;
  protocol?: Protocol;
  subnets?: Reference[];
  securityGroups?: Reference[];
  resourceGroup?: Reference;
}

/** A method asked for: certificate auth names its client CA (or gets one of its own) and may bring a CRL. */
export type ClientAuthenticationSpec = { method: 'certificate'; clientCaCrn?: string; crl?: string } | { method: 'username' };

export const DEFAULTS = {
  port: 443,
  protocol: 'udp' as Protocol,
  clientIdleTimeout: 600,
  autoDeleteSeconds: DEFAULT_CLIENT_RETENTION_SECONDS,
};

const LOCAL_SUBNET: Reference = { id: EMBEDDED_SUBNET_ID };

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
  input: ClientAuthenticationSpec[],
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
    const crn = auth.clientCaCrn ?? (currentCa?.method === 'certificate' ? currentCa.client_ca.crn : undefined);
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

export async function createVpnServer(ctx: DomainContext, certs: CertificateDirectory, input: VpnServerSpec): Promise<VpnServer> {
  if (input.clientIpPool === undefined) throw fieldError('missing_field', 'client_ip_pool', 'client_ip_pool is required');
  if (input.clientAuthentication === undefined) {
    throw fieldError('missing_field', 'client_authentication', 'client_authentication is required');
  }
  validateClientIpPool(input.clientIpPool);
  const id = newId();
  const name = input.name ?? generateName();
  const port = input.port ?? DEFAULTS.port;
  const protocol = input.protocol ?? DEFAULTS.protocol;
  // Everything the caller can get wrong is checked before anything is written (a built-in server
  // certificate is issued only for a request that will succeed).
  const checkedAuthentication = await resolveClientAuthentication(certs, input.clientAuthentication);
  if (input.certificateCrn !== undefined) await certs.requireServerCertificate(input.certificateCrn, 'certificate.crn');
  await assertNameFree(ctx, name, id);
  await assertPortFree(ctx, port, protocol, id);
  const certificateCrn = input.certificateCrn ?? (await certs.issueBuiltInServerCertificate(name));
  const clientAuthentication = await createPendingClientCa(certs, name, checkedAuthentication);
  const now = ctx.clock.now();
  const server: VpnServer = {
    id,
    name,
    crn: `crn:v1:sluice:private:is:local:a/${ctx.accountId}::vpn-server:${id}`,
    certificateCrn,
    clientAuthentication,
    clientAutoDeleteTimeoutSeconds: input.clientAutoDeleteTimeoutSeconds ?? DEFAULTS.autoDeleteSeconds,
    clientDnsServerIps: input.clientDnsServerIps ?? [],
    clientIdleTimeout: input.clientIdleTimeout ?? DEFAULTS.clientIdleTimeout,
    clientIpPool: input.clientIpPool,
    enableSplitTunneling: input.enableSplitTunneling ?? false,
    port,
    protocol,
    lifecycleState: 'pending',
    lifecycleReasons: [],
    healthState: 'inapplicable',
    healthReasons: [],
    subnets: input.subnets ?? [LOCAL_SUBNET],
    securityGroups: input.securityGroups ?? [],
    vpc: { id: 'local', name: 'local' },
    resourceGroup: input.resourceGroup ?? { id: 'default', name: 'default' },
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

/** Array fields, by the API name an If-Match error names. */
const ARRAY_FIELDS = [
  ['clientAuthentication', 'client_authentication'],
  ['clientDnsServerIps', 'client_dns_server_ips'],
  ['subnets', 'subnets'],
] as const;

/** Merge-patch. Any change but `name` makes the gateway re-apply the server, which drops its clients. */
export async function updateVpnServer(
  ctx: DomainContext,
  certs: CertificateDirectory,
  id: string,
  patch: VpnServerSpec,
  ifMatch: string | undefined,
): Promise<VpnServer> {
  const current = await getVpnServer(ctx, id);
  const arrayField = ARRAY_FIELDS.find(([field]) => patch[field] !== undefined)?.[1];
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
  if (patch.clientIpPool !== undefined) {
    validateClientIpPool(patch.clientIpPool);
    next.clientIpPool = patch.clientIpPool;
  }
  if (patch.clientAuthentication !== undefined) next.clientAuthentication = await resolveClientAuthentication(certs, patch.clientAuthentication, current);
  if (patch.certificateCrn !== undefined) {
    await certs.requireServerCertificate(patch.certificateCrn, 'certificate.crn');
    next.certificateCrn = patch.certificateCrn;
  }
  if (patch.clientDnsServerIps !== undefined) next.clientDnsServerIps = patch.clientDnsServerIps;
  if (patch.clientIdleTimeout !== undefined) next.clientIdleTimeout = patch.clientIdleTimeout;
  if (patch.enableSplitTunneling !== undefined) next.enableSplitTunneling = patch.enableSplitTunneling;
  if (patch.port !== undefined) next.port = patch.port;
  if (patch.protocol !== undefined) next.protocol = patch.protocol;
  if (patch.subnets !== undefined) next.subnets = patch.subnets;
  if (patch.clientAutoDeleteTimeoutSeconds !== undefined) next.clientAutoDeleteTimeoutSeconds = patch.clientAutoDeleteTimeoutSeconds;
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
  forgetServerFacts(ctx, id);
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
  forgetServerFacts(ctx, id);
  ctx.gateway.serverDeleted(id);
  return next;
}

export async function finishVpnServerDeletion(ctx: DomainContext, id: string): Promise<void> {
  await inTransaction(ctx.store.db, async (trx) => {
    await disconnectAllOfServer(trx, id, ctx.clock.now(), 0);
    await deleteServerRow(trx, id);
  });
  forgetServerFacts(ctx, id);
  ctx.bus.notify(id);
}
