/**
 * The real-time (`>`-prefixed) messages of OpenVPN's management interface, as typed values.
 * `>CLIENT:` headers that announce an ENV block are assembled with their `>CLIENT:ENV,…` lines by
 * the protocol driver; this module only knows the shapes and how to read a single line.
 */

/** ENV of a `>CLIENT:` block. A Map, so names like `__proto__` are just names. */
export type ClientEnv = ReadonlyMap<string, string>;

export type ClientEventKind = 'CONNECT' | 'REAUTH' | 'ESTABLISHED' | 'DISCONNECT' | 'CR_RESPONSE';

export type ManagementEvent =
  | { type: 'client'; kind: 'CONNECT' | 'REAUTH'; cid: number; kid: number; env: ClientEnv; envTruncated: boolean }
  | { type: 'client'; kind: 'ESTABLISHED' | 'DISCONNECT'; cid: number; env: ClientEnv; envTruncated: boolean }
  | { type: 'client'; kind: 'CR_RESPONSE'; cid: number; kid: number; response: string; env: ClientEnv; envTruncated: boolean }
  | { type: 'client-address'; cid: number; address: string; primary: boolean }
  | { type: 'hold'; text: string }
  | { type: 'info'; text: string }
  /** `>STATE:time,name,desc,local_ip,remote_ip,remote_port,local_addr,local_port,local_ipv6` */
  | { type: 'state'; time: number; name: string; fields: string[] }
  | { type: 'log'; text: string }
  | { type: 'bytecount-cli'; cid: number; bytesReceived: number; bytesSent: number }
  | { type: 'password'; text: string }
  | { type: 'fatal'; text: string }
  /** `ENTER PASSWORD:` (no line ending): the management socket has a password we did not send. */
  | { type: 'password-prompt' }
  /** Any other `>SOURCE:text`, kept so nothing is silently lost. */
  | { type: 'other'; source: string; text: string };

/** Header of a `>CLIENT:` event whose ENV lines follow. */
export type ClientHeader =
  | { kind: 'CONNECT' | 'REAUTH'; cid: number; kid: number }
  | { kind: 'ESTABLISHED' | 'DISCONNECT'; cid: number }
  | { kind: 'CR_RESPONSE'; cid: number; kid: number; response: string };

const UNSIGNED = /^\d{1,15}$/;

/** Parses a decimal id as OpenVPN prints it; undefined when it is not one. */
export function parseUnsigned(text: string | undefined): number | undefined {
  if (text === undefined || !UNSIGNED.test(text)) return undefined;
  return Number(text);
}

/** Splits `>SOURCE:rest` into its parts; undefined when the line is not a real-time message. */
export function splitRealtime(line: string): { source: string; text: string } | undefined {
  if (!line.startsWith('>')) return undefined;
  const colon = line.indexOf(':');
  if (colon === -1) return { source: line.slice(1), text: '' };
  return { source: line.slice(1, colon), text: line.slice(colon + 1) };
}

/**
 * Reads the text after `>CLIENT:`. Returns a header (ENV block follows), a complete event
 * (`ADDRESS`), an ENV line, or undefined for something unrecognised.
 */
export function parseClientLine(
  text: string,
):
  | { is: 'header'; header: ClientHeader }
  | { is: 'event'; event: ManagementEvent }
  | { is: 'env'; name: string; value: string }
  | { is: 'env-end' }
  | undefined {
  if (text.startsWith('ENV,')) {
    const assignment = text.slice(4);
    if (assignment === 'END') return { is: 'env-end' };
    // Split on the FIRST '=' and never trim: values (passwords) may hold '=', spaces, quotes.
    const equals = assignment.indexOf('=');
    if (equals === -1) return { is: 'env', name: assignment, value: '' };
    return { is: 'env', name: assignment.slice(0, equals), value: assignment.slice(equals + 1) };
  }
  const parts = text.split(',');
  const kind = parts[0];
  const cid = parseUnsigned(parts[1]);
  if (cid === undefined) return undefined;
  switch (kind) {
    case 'CONNECT':
    case 'REAUTH': {
      const kid = parseUnsigned(parts[2]);
      return kid === undefined ? undefined : { is: 'header', header: { kind, cid, kid } };
    }
    case 'ESTABLISHED':
    case 'DISCONNECT':
      return { is: 'header', header: { kind, cid } };
    case 'CR_RESPONSE': {
      const kid = parseUnsigned(parts[2]);
      if (kid === undefined) return undefined;
      // The response is base64 but may in principle contain commas: keep everything after KID.
      const response = parts.slice(3).join(',');
      return { is: 'header', header: { kind, cid, kid, response } };
    }
    case 'ADDRESS': {
      const address = parts[2] ?? '';
      return { is: 'event', event: { type: 'client-address', cid, address, primary: parts[3] === '1' } };
    }
    default:
      return undefined;
  }
}

/** Classifies a complete real-time line other than `>CLIENT:` ones. */
export function parseSimpleRealtime(source: string, text: string): ManagementEvent {
  switch (source) {
    case 'HOLD':
      return { type: 'hold', text };
    case 'INFO':
      return { type: 'info', text };
    case 'LOG':
      return { type: 'log', text };
    case 'PASSWORD':
      return { type: 'password', text };
    case 'FATAL':
      return { type: 'fatal', text };
    case 'STATE': {
      const fields = text.split(',');
      const time = parseUnsigned(fields[0]);
      const name = fields[1];
      if (time === undefined || name === undefined) return { type: 'other', source, text };
      return { type: 'state', time, name, fields: fields.slice(2) };
    }
    case 'BYTECOUNT_CLI': {
      const [cidText, inText, outText] = text.split(',');
      const cid = parseUnsigned(cidText);
      const bytesReceived = parseUnsigned(inText);
      const bytesSent = parseUnsigned(outText);
      if (cid === undefined || bytesReceived === undefined || bytesSent === undefined) return { type: 'other', source, text };
      return { type: 'bytecount-cli', cid, bytesReceived, bytesSent };
    }
    default:
      return { type: 'other', source, text };
  }
}
