import { readFile } from 'node:fs/promises';
import type { ClientAuthentication, VpnServerPatch } from '../client/types.ts';
import { UsageError } from './errors.ts';
import type { AuthMethod } from './parse.ts';

/** Flags shared by vpn-server-create and vpn-server-update, as commander parsed them. */
export interface ServerSettings {
  name?: string;
  cert?: string;
  clientAuthMethods?: AuthMethod[];
  clientCa?: string;
  clientCrl?: string;
  clientDns?: string[];
  clientIdleTimeout?: number;
  clientAutoDeleteTimeoutSeconds?: number;
  enableSplitTunnel?: boolean;
  port?: number;
  protocol?: 'udp' | 'tcp';
  subnet?: string[];
  clientIpPool?: string;
}

/** `--client-crl` takes PEM text or `@FILE`. */
async function crlOf(value: string | undefined): Promise<string | undefined> {
  if (value === undefined) return undefined;
  if (!value.startsWith('@')) return value;
  try {
    return await readFile(value.slice(1), 'utf8');
  } catch (error) {
    throw new UsageError(`--client-crl: cannot read ${value.slice(1)}: ${(error as Error).message}`);
  }
}

/**
 * The `client_authentication` array from the auth flags. `--client-ca`/`--client-crl` only make
 * sense with certificate auth, so giving them without it is a usage error rather than silently dropped.
 */
export async function clientAuthentication(s: ServerSettings, defaultMethods: AuthMethod[] | undefined): Promise<ClientAuthentication[] | undefined> {
  const methods = s.clientAuthMethods ?? (s.clientCa || s.clientCrl ? ['certificate'] : defaultMethods);
  if (!methods) return undefined;
  if ((s.clientCa || s.clientCrl) && !methods.includes('certificate')) throw new UsageError('--client-ca and --client-crl need certificate in --client-auth-methods');
  const crl = await crlOf(s.clientCrl);
  return methods.map((method): ClientAuthentication => {
    if (method === 'username') return { method: 'username', identity_provider: { provider_type: 'iam' } };
    return { method: 'certificate', ...(s.clientCa ? { client_ca: { crn: s.clientCa } } : {}), ...(crl ? { crl } : {}) };
  });
}

/** The fields both verbs send; undefined flags are left out so the server keeps its defaults. */
export function commonFields(s: ServerSettings): VpnServerPatch {
  if (s.subnet && s.subnet.length > 2) throw new UsageError('--subnet takes at most 2 subnets');
  const patch: VpnServerPatch = {};
  if (s.name !== undefined) patch.name = s.name;
  if (s.cert !== undefined) patch.certificate = { crn: s.cert };
  if (s.clientIpPool !== undefined) patch.client_ip_pool = s.clientIpPool;
  if (s.clientDns !== undefined) patch.client_dns_server_ips = s.clientDns.map((address) => ({ address }));
  if (s.clientIdleTimeout !== undefined) patch.client_idle_timeout = s.clientIdleTimeout;
  if (s.clientAutoDeleteTimeoutSeconds !== undefined) patch.client_auto_delete_timeout_seconds = s.clientAutoDeleteTimeoutSeconds;
  if (s.enableSplitTunnel !== undefined) patch.enable_split_tunneling = s.enableSplitTunnel;
  if (s.port !== undefined) patch.port = s.port;
  if (s.protocol !== undefined) patch.protocol = s.protocol;
  if (s.subnet !== undefined) patch.subnets = s.subnet.map((id) => ({ id }));
  return patch;
}
