import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isIpv4 } from '../ip/cidr.ts';
import type { GatewayHostOptions } from '../gateway/host/run.ts';
import { ConfigError, dataplane, egressInterfaces, integer, killGrace, logLevel, splitArgs, type LogLevel } from './values.ts';

/**
 * Everything `sluice gateway` can be told, after defaults: what the gateway host runs with (its
 * own type, so the two cannot drift apart) and how much it logs.
 */
export type GatewayConfig = Omit<GatewayHostOptions, 'version'> & { logLevel: LogLevel };

/** Flag name → environment variable. A flag wins over its variable. */
export const GATEWAY_OPTIONS = {
  'control-plane': 'SLUICE_CONTROL_PLANE',
  'join-token': 'SLUICE_JOIN_TOKEN',
  'data-dir': 'SLUICE_DATA_DIR',
  'ca-file': 'SLUICE_CONTROL_PLANE_CA',
  'log-level': 'SLUICE_LOG_LEVEL',
  'openvpn-binary': 'SLUICE_OPENVPN_BINARY',
  'openvpn-args': 'SLUICE_OPENVPN_ARGS',
  dataplane: 'SLUICE_DATAPLANE',
  'nft-binary': 'SLUICE_NFT_BINARY',
  'dataplane-egress': 'SLUICE_DATAPLANE_EGRESS',
  'degraded-seconds': 'SLUICE_DEGRADED_SECONDS',
  'kill-grace': 'SLUICE_KILL_GRACE_MS',
  'listen-address': 'SLUICE_GATEWAY_LISTEN_ADDRESS',
  'device-tag': 'SLUICE_GATEWAY_DEVICE_TAG',
} as const;
export type GatewayOption = keyof typeof GATEWAY_OPTIONS;

function controlPlaneUrls(name: string, text: string | undefined, problems: string[]): string[] {
  if (text === undefined) {
    problems.push(`${name} is required: the control plane's URL (e.g. https://vpn.example.com), or its replicas' URLs separated by commas`);
    return [];
  }
  return text.split(',').flatMap((part) => {
    let url: URL | undefined;
    try {
      url = new URL(part.trim());
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash) {
      problems.push(`${name} must be http(s) URLs with no credentials, query or fragment, got "${part.trim()}"`);
      return [];
    }
    return [url.href.replace(/\/+$/, '')];
  });
}

function ipv4Address(name: string, text: string | undefined, problems: string[]): string | undefined {
  if (text === undefined || isIpv4(text)) return text;
  problems.push(`${name} must be an IPv4 address of this host, got "${text}"`);
  return undefined;
}

function deviceTag(name: string, text: string | undefined, problems: string[]): string | undefined {
  if (text === undefined || /^[a-z0-9]$/.test(text)) return text;
  problems.push(`${name} must be one character of a-z or 0-9, got "${text}"`);
  return undefined;
}

function caFile(name: string, path: string | undefined, problems: string[]): string | undefined {
  if (path === undefined) return undefined;
  if (!existsSync(path)) {
    problems.push(`${name} names a file that does not exist: "${path}"`);
    return undefined;
  }
  const pem = readFileSync(path, 'utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) problems.push(`${name} must be a PEM certificate file, got "${path}"`);
  return pem;
}

export function loadGatewayConfig(flags: Partial<Record<GatewayOption, string>>, env: NodeJS.ProcessEnv, cwd = process.cwd()): GatewayConfig {
  const problems: string[] = [];
  const get = (option: GatewayOption): string | undefined => flags[option] ?? (env[GATEWAY_OPTIONS[option]] || undefined);
  const label = (option: GatewayOption): string => `--${option} / ${GATEWAY_OPTIONS[option]}`;
  const dataDirText = get('data-dir') ?? './.sluice-gateway';
  const joinToken = get('join-token');
  if (joinToken !== undefined && !/^sjt_[A-Za-z0-9_-]{20,}$/.test(joinToken)) problems.push(`${label('join-token')} must be the sjt_… token that gateway-create printed`);
  const config: GatewayConfig = {
    controlPlanes: controlPlaneUrls(label('control-plane'), get('control-plane'), problems),
    joinToken,
    dataDir: isAbsolute(dataDirText) ? dataDirText : resolve(cwd, dataDirText),
    caPem: caFile(label('ca-file'), get('ca-file'), problems),
    logLevel: logLevel(label('log-level'), get('log-level'), problems),
    openvpnBinary: get('openvpn-binary') ?? 'openvpn',
    openvpnArgs: splitArgs(get('openvpn-args') ?? ''),
    dataplane: dataplane(label('dataplane'), get('dataplane'), problems),
    nftBinary: get('nft-binary') ?? 'nft',
    dataplaneEgress: egressInterfaces(label('dataplane-egress'), get('dataplane-egress'), problems),
    degradedSeconds: integer(label('degraded-seconds'), get('degraded-seconds'), 60, 0, 86_400, problems),
    killGraceMs: killGrace(label('kill-grace'), get('kill-grace'), problems),
    listenAddress: ipv4Address(label('listen-address'), get('listen-address'), problems),
    deviceTag: deviceTag(label('device-tag'), get('device-tag'), problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
