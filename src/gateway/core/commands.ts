/**
 * Encodes management commands. OpenVPN's command parser (2.6 `manage.c` + `parse_line`) cuts a line
 * at 1023 bytes and runs the tail as a new command, keeps ≤ 16 arguments of ≤ 255 bytes, silently
 * drops control characters, and treats an argument starting with `#` or `;` as a comment. So:
 *
 * - Structural arguments (ids, numbers, keywords) are validated and a bad one THROWS
 *   CommandEncodingError: sending a different command than intended is never acceptable.
 * - Free text (kill/deny reasons) is always double-quoted with `\` and `"` escaped; control
 *   characters are replaced by spaces and the text is TRUNCATED (at a UTF-8 boundary) to fit 255
 *   bytes. A disconnect must not fail because of an unlucky reason text.
 * - The finished line is checked against 1023 bytes and 16 arguments (throws; cannot happen with the
 *   encoders below, the check guards future ones).
 */
import { isIpv4 } from '../../ip/cidr.ts';
import { CommandEncodingError } from './errors.ts';
import type { ReplyShape } from './protocol.ts';

export interface EncodedCommand {
  /** Lines to write, each without its `\r\n`. More than one only for `client-auth`. */
  lines: string[];
  /** Reply the command gets; `none` means nothing comes back. */
  expect: ReplyShape;
}

export const MAX_LINE_BYTES = 1023;
export const MAX_ARG_BYTES = 255;
export const MAX_ARGS = 16;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\u0000-\u001f\u007f]/;

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** A client id or key id as OpenVPN prints it: a non-negative integer. */
function id(name: string, value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new CommandEncodingError(name, `must be a non-negative integer, got ${String(value)}`);
  return String(value);
}

function quote(escaped: string): string {
  return `"${escaped}"`;
}

/**
 * Quotes free text as one argument: control characters become spaces, `\` and `"` are escaped and
 * the quoted result is cut to at most 255 bytes without splitting an escape or a UTF-8 character.
 */
export function quoteText(text: string): string {
  const cleaned = text.replace(CONTROL, ' ');
  let out = '';
  let bytes = 2; // the quotes
  for (const char of cleaned) {
    const piece = char === '\\' || char === '"' ? `\\${char}` : char;
    const size = byteLength(piece);
    if (bytes + size > MAX_ARG_BYTES) break;
    out += piece;
    bytes += size;
  }
  return quote(out);
}

function line(args: string[]): string {
  if (args.length > MAX_ARGS) throw new CommandEncodingError('command', `more than ${MAX_ARGS} arguments`);
  const text = args.join(' ');
  // A UTF-16 unit is at most 3 UTF-8 bytes: short lines (all but the rarest) need no count.
  if (text.length * 3 > MAX_LINE_BYTES && byteLength(text) > MAX_LINE_BYTES) throw new CommandEncodingError('command', `line longer than ${MAX_LINE_BYTES} bytes`);
  return text;
}

function single(args: string[], expect: ReplyShape): EncodedCommand {
  return { lines: [line(args)], expect };
}

export const holdRelease = (): EncodedCommand => single(['hold', 'release'], 'line');
export const statusV3 = (): EncodedCommand => single(['status', '3'], 'block');
export const stateOn = (): EncodedCommand => single(['state', 'on'], 'line');
/** Log history OpenVPN keeps (`management-log-cache` lines): `time,flags,message` lines. */
export const logHistory = (): EncodedCommand => single(['log', 'all'], 'block');
export const pid = (): EncodedCommand => single(['pid'], 'line');
export const bytecount = (seconds: number): EncodedCommand => single(['bytecount', id('seconds', seconds)], 'line');

/** Accepts the client without pushing config. */
export const clientAuthNt = (cid: number, kid: number): EncodedCommand => single(['client-auth-nt', id('cid', cid), id('kid', kid)], 'line');

/**
 * Accepts the client and pushes per-client config lines (e.g. `push "route 10.0.0.0 255.0.0.0"`).
 * Config lines are not quoted (they are config syntax) but must be single clean lines and not `END`.
 */
export const clientAuth = (cid: number, kid: number, configLines: readonly string[]): EncodedCommand => {
  const body = configLines.map((config, index) => {
    const name = `config[${index}]`;
    if (HAS_CONTROL.test(config)) throw new CommandEncodingError(name, 'contains control characters');
    if (config.trim() === 'END') throw new CommandEncodingError(name, 'a config line cannot be END');
    if (byteLength(config) > MAX_LINE_BYTES) throw new CommandEncodingError(name, `longer than ${MAX_LINE_BYTES} bytes`);
    return config;
  });
  return { lines: [line(['client-auth', id('cid', cid), id('kid', kid)]), ...body, 'END'], expect: 'line' };
};

/**
 * Refuses the client. `reason` goes to OpenVPN's log, `clientReason` to the client (a 2.6 client
 * retries later when it reads `TEMP[backoff N]: text`).
 */
export const clientDeny = (cid: number, kid: number, reason: string, clientReason?: string): EncodedCommand => {
  const args = ['client-deny', id('cid', cid), id('kid', kid), quoteText(reason)];
  if (clientReason !== undefined) args.push(quoteText(clientReason));
  return single(args, 'line');
};

/**
 * Ends a session and tells the client to exit (`HALT`) rather than reconnect (`RESTART`, OpenVPN's
 * default). The message is ONE argument, `HALT,<reason>`, quoted.
 */
export const clientKill = (cid: number, reason: string, mode: 'HALT' | 'RESTART' = 'HALT'): EncodedCommand =>
  single(['client-kill', id('cid', cid), quoteText(`${mode},${reason}`)], 'line');

/** Whether `kill IP:port` can name this real address: OpenVPN 2.6 parses IPv4 `a.b.c.d:port` only. */
export function killableAddress(address: string): boolean {
  const colon = address.lastIndexOf(':');
  const port = address.slice(colon + 1);
  return colon > 0 && isIpv4(address.slice(0, colon)) && /^\d{1,5}$/.test(port) && Number(port) > 0 && Number(port) < 65536;
}

/**
 * `kill IP:port`: OpenVPN ends every instance whose real address is `IP:port` at once (SIGTERM to
 * the instance, no message to the client). After `client-kill … HALT` it ends the session without
 * the 5 s exit interval. Replies `SUCCESS: N client(s) at address IP:port killed` or
 * `ERROR: client at address IP:port not found` (OpenVPN 2.6.14).
 */
export const killRealAddress = (address: string): EncodedCommand => {
  if (!killableAddress(address)) throw new CommandEncodingError('address', `must be IPv4 a.b.c.d:port, got ${JSON.stringify(address)}`);
  return single(['kill', address], 'line');
};

/** Wire text of a command: its lines joined with `\r\n`, ending in `\r\n`. */
export function wireText(command: EncodedCommand): string {
  return command.lines.map((text) => `${text}\r\n`).join('');
}
