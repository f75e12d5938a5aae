/** What the bench asks the fake openvpn to play, and what it answers (one JSON line each way). */
export const CONTROL_SOCKET = 'bench-control.sock';

export interface Scenario {
  /** Sessions to play in all. */
  count: number;
  /** Sessions awaiting an auth decision at any moment (OpenVPN handles many handshakes at once). */
  window: number;
  /** ESTABLISHED after an allow, as OpenVPN does; false isolates auth decisions from ingest. */
  establish: boolean;
  /** DISCONNECT each session right after its decision/ESTABLISHED (ingest) or keep it live (memory). */
  end: boolean;
  /** Common names (and default usernames) are `${prefix}${index}`. */
  prefix: string;
  /** One common name for every session instead (so one bulk disconnect by common name ends them all). */
  commonName?: string;
  /** Credentials to send, cycled by index; absent: username only, no password. */
  credentials?: { username: string; password: string }[];
  /** false: certificate-only clients (no username in ENV). */
  usernames?: boolean;
}

export interface ScenarioReport {
  /** From the first CONNECT to the last decision read. */
  ms: number;
  allowed: number;
  denied: number;
  /** CONNECT written → decision read, per session. */
  latenciesMs: number[];
}
