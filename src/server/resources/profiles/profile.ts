import { SluiceError, fieldError } from '../../../errors/catalogue.ts';
import { OpenVpnConfigError, renderClientProfile } from '../../../gateway/openvpn-config.ts';
import { hasMethod, type VpnServer } from '../../../domain/vpn-servers/model.ts';
import type { AppServices } from '../../services.ts';
import { gatewayHostsOf } from '../../../domain/gateways/placement.ts';

type ProfileServer = Pick<VpnServer, 'name' | 'certificateCrn' | 'port' | 'protocol' | 'clientAuthentication' | 'subnets'>;

/** Fields of the profile spec that come from the server certificate: a failure there is the certificate's. */
const CERTIFICATE_FIELDS = new Set(['caPem', 'serverName']);

/**
 * What a client needs to trust the server and only it: the CA that issued the server certificate
 * (or its chain, or itself when self-signed) and the certificate's common name to pin.
 */
async function serverTrust(services: AppServices, certificateCrn: string, field: string): Promise<{ caPem: string; serverName: string }> {
  const { certificates } = services;
  const cert = await certificates.byCrn(certificateCrn, field);
  const caPem = cert.issuerId !== null ? (await certificates.get(cert.issuerId)).certificatePem : (cert.intermediatePem ?? cert.certificatePem);
  return { caPem, serverName: cert.commonName };
}

function render(hosts: string[], server: ProfileServer, trust: { caPem: string; serverName: string }, client?: { certPem: string; keyPem: string }): string {
  const [host = '', ...otherHosts] = hosts;
  return renderClientProfile({ host, otherHosts, port: server.port, protocol: server.protocol, username: hasMethod(server, 'username'), ...trust, ...client });
}

/** The gateways' hosts the server is placed on; the embedded gateway's public host otherwise. */
async function hostsOf(services: AppServices, server: ProfileServer): Promise<string[]> {
  const hosts = await gatewayHostsOf(services.ctx, server);
  return hosts.length > 0 ? hosts : [services.publicHost];
}

/**
 * The server's client profile. A certificate that cannot go into one (stored before certificates
 * were checked for it) is the caller's 400, naming what to replace, never a 500.
 */
export async function clientProfile(services: AppServices, server: ProfileServer, client?: { certPem: string; keyPem: string }): Promise<string> {
  const trust = await serverTrust(services, server.certificateCrn, 'certificate.crn');
  try {
    return render(await hostsOf(services, server), server, trust, client);
  } catch (error) {
    if (error instanceof OpenVpnConfigError && CERTIFICATE_FIELDS.has(error.field)) {
      throw new SluiceError('certificate_invalid', `the certificate of VPN server ${server.name} cannot go into a client profile (${error.message}); give the server another certificate (PATCH certificate.crn)`);
    }
    throw error;
  }
}

/** Refuses, naming `field`, a server certificate that could not go into its servers' client profiles. */
export async function assertProfileCertificate(services: AppServices, certificateCrn: string, field: string): Promise<void> {
  const trust = await serverTrust(services, certificateCrn, field);
  try {
    render([services.publicHost], { name: '', certificateCrn, port: 1194, protocol: 'udp', clientAuthentication: [], subnets: [] }, trust);
  } catch (error) {
    if (error instanceof OpenVpnConfigError && CERTIFICATE_FIELDS.has(error.field)) {
      const what = error.field === 'serverName' ? 'its common name' : 'its CA certificate';
      throw fieldError('certificate_invalid', field, `the certificate cannot go into client profiles: ${what} ${error.message.replace(/^\w+: /, '')}`, certificateCrn);
    }
    throw error;
  }
}
