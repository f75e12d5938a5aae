import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { GatewayAgent } from '../agent/agent.ts';
import { DataPlaneHost } from '../agent/dataplane-host.ts';
import { Nft } from '../io/nft.ts';
import { RemoteControlPlane } from '../remote/dialer.ts';
import { credentialFor } from './join.ts';

/** What `sluice gateway` runs with (the CLI reads it from flags and environment). */
export interface GatewayHostOptions {
  /** Base URLs of the control plane: its load balancer, or its replicas (tried in turn). */
  controlPlanes: string[];
  /** One-time token from `sluice gateway-create`; needed only until a credential is saved. */
  joinToken: string | undefined;
  dataDir: string;
  /** CA certificate (PEM) the control plane's TLS certificate chains to, when not a public one. */
  caPem: string | undefined;
  openvpnBinary: string;
  openvpnArgs: string[];
  dataplane: 'nftables' | 'none';
  nftBinary: string;
  dataplaneEgress: string[];
  degradedSeconds: number;
  killGraceMs: number | undefined;
  /** The address this host's OpenVPN servers bind; every address when absent. */
  listenAddress: string | undefined;
  /** One character in this gateway's tun device names, unlike any other gateway on the same host. */
  deviceTag: string | undefined;
  version: string;
}

export interface RunningGateway {
  /** Resolves when the control plane refuses this gateway (revoked or unknown credential). */
  refused: Promise<string>;
  close(): Promise<void>;
}

/**
 * A gateway host: the agent of `sluice serve`'s embedded gateway, talking to the control plane over
 * the network instead of in memory. It dials out (no inbound port), and keeps its VPN users
 * connected and its data plane in place while the control plane is away; what happened meanwhile
 * is reported when it returns.
 */
export async function startGatewayHost(options: GatewayHostOptions, log: Logger): Promise<RunningGateway> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const credential = await credentialFor(options.dataDir, options.controlPlanes, options.joinToken, options.caPem);
  const channel = new RemoteControlPlane({ url: options.controlPlanes, credential, version: options.version, caPem: options.caPem, log });
  const gatewayDir = join(options.dataDir, 'gateway');
  const dataplane =
    options.dataplane === 'nftables'
      ? new DataPlaneHost({ nft: new Nft({ command: [options.nftBinary] }), gatewayDir, egressInterfaces: options.dataplaneEgress, now: () => Date.now(), log })
      : undefined;
  if (!dataplane) log.info('data plane off (--dataplane none): routes are pushed to clients but not enforced by this host');
  const agent = new GatewayAgent(
    channel,
    {
      gatewayDir,
      dataplane,
      openvpnBinary: options.openvpnBinary,
      extraArgs: options.openvpnArgs,
      timers: {},
      degradedForMs: options.degradedSeconds * 1000,
      killGraceMs: options.killGraceMs,
      listenAddress: options.listenAddress,
      deviceTag: options.deviceTag,
      now: () => Date.now(),
    },
    log,
  );
  channel.onNotice((notice) => agent.notify(notice));
  // Notices sent while this host was away are not replayed: it re-reads what it runs instead.
  let started: Promise<void> | undefined;
  channel.onConnected(() => {
    if (started === undefined) {
      log.info({ controlPlanes: options.controlPlanes }, 'starting the servers placed on this gateway');
      started = agent.start().catch((error: unknown) => {
        started = undefined;
        log.error({ err: error }, 'starting the servers placed on this gateway failed; retrying at the next connection');
      });
      return;
    }
    log.info('re-reading servers and pending disconnects after the reconnection');
    void started.then(() => agent.reload()).then(() => agent.catchUp(), (error: unknown) => log.warn({ err: error }, 're-reading servers failed'));
  });
  const refused = new Promise<string>((resolve) => channel.onRefused(resolve));
  channel.start();
  return {
    refused,
    close: async () => {
      // OpenVPN keeps serving: the next `sluice gateway` adopts it and no VPN user is dropped.
      await agent.detach();
      await channel.close();
    },
  };
}
