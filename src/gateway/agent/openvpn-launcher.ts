import { OpenVpnProcess, type ExitInfo, type SpawnOptions } from '../io/openvpn-process.ts';

/** What a runtime uses of a running `openvpn` (OpenVpnProcess in production). */
export interface RunningOpenVpn {
  readonly pid: number;
  /** Resolves once the process is gone. */
  readonly exited: Promise<ExitInfo>;
  readonly exitStatus: ExitInfo | undefined;
  readonly recentOutput: string;
  signal(signal: NodeJS.Signals): boolean;
  stop(timeoutMs?: number): Promise<ExitInfo>;
}

/**
 * Starts `openvpn`, or finds one a previous agent left running. The seam lets in-process tests put
 * a stand-in process (one that opens the fake management socket) under the real runtime.
 */
export interface OpenVpnLauncher {
  spawn(options: SpawnOptions): Promise<RunningOpenVpn>;
  /** The process named by the pid file, if it is still that `openvpn`. */
  adopt(pidFile: string): Promise<RunningOpenVpn | undefined>;
}

export const systemLauncher: OpenVpnLauncher = {
  spawn: (options) => OpenVpnProcess.spawn(options),
  adopt: async (pidFile) => (await OpenVpnProcess.adopt(pidFile))?.process,
};
