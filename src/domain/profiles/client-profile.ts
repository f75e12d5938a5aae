import type { VpnServer } from '../vpn-servers/model.ts';
import { hasMethod } from '../vpn-servers/model.ts';

export interface ClientProfileInput {
  server: Pick<VpnServer, 'name' | 'port' | 'protocol' | 'clientAuthentication'>;
  remoteHost: string;
  /** CA that signed the server certificate (plus its chain), so the client can verify the server. */
  caPem: string;
  client?: { certificatePem: string; privateKeyPem: string };
}

const block = (tag: string, pem: string): string => `<${tag}>\n${pem.trim()}\n</${tag}>`;

/**
 * A profile stock OpenVPN 2.4–2.6 clients accept. `remote-cert-tls server` stops another client
 * certificate from the same CA impersonating the server; `auth-nocache` keeps one-time passcodes
 * out of the client's memory after use.
 */
export function renderClientProfile(input: ClientProfileInput): string {
  const { server } = input;
  const lines = [
    `# Sluice VPN server ${server.name}`,
    'client',
    'dev tun',
    `proto ${server.protocol}`,
    `remote ${input.remoteHost} ${server.port}`,
    'resolv-retry infinite',
    'nobind',
    'persist-key',
    'remote-cert-tls server',
    'verb 3',
  ];
  if (hasMethod(server, 'username')) lines.push('auth-user-pass', 'auth-nocache');
  if (server.protocol === 'udp') lines.push('explicit-exit-notify 1');
  lines.push(block('ca', input.caPem));
  if (input.client) lines.push(block('cert', input.client.certificatePem), block('key', input.client.privateKeyPem));
  return `${lines.join('\n')}\n`;
}
