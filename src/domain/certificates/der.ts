/**
 * The handful of DER encoders and one reader that the CRL builder needs. The generic ASN.1 schema
 * library is far too slow for CRLs with tens of thousands of entries (it re-checks every entry
 * against every other), so CRLs are assembled here from bytes.
 */

/** Encodes a DER length: short form below 128, else 0x80|n followed by n big-endian bytes. */
function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** A tag-length-value triple. */
export const tlv = (tag: number, ...parts: Uint8Array[]): Uint8Array => tlvOf(tag, parts);

/** Like `tlv`, for long part lists (CRL entries) that must not be spread into arguments. */
export function tlvOf(tag: number, parts: readonly Uint8Array[]): Uint8Array {
  const contentLength = parts.reduce((sum, part) => sum + part.length, 0);
  const length = encodeLength(contentLength);
  const out = new Uint8Array(1 + length.length + contentLength);
  out[0] = tag;
  out.set(length, 1);
  let offset = 1 + length.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export const sequence = (...parts: Uint8Array[]): Uint8Array => tlvOf(0x30, parts);
export const sequenceOf = (parts: readonly Uint8Array[]): Uint8Array => tlvOf(0x30, parts);
export const octetString = (bytes: Uint8Array): Uint8Array => tlv(0x04, bytes);
export const nullValue = (): Uint8Array => Uint8Array.of(0x05, 0x00);
export const bitString = (bytes: Uint8Array): Uint8Array => tlv(0x03, Uint8Array.of(0), bytes);
/** `[n] EXPLICIT` context tag around already-encoded content. */
export const explicit = (n: number, content: Uint8Array): Uint8Array => tlv(0xa0 | n, content);
export const enumerated = (value: number): Uint8Array => tlv(0x0a, Uint8Array.of(value));

/** A non-negative INTEGER from big-endian magnitude bytes: minimal, with a 0x00 pad if the top bit is set. */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(start);
  const needsPad = (trimmed[0] ?? 0) > 0x7f;
  return needsPad ? tlv(0x02, Uint8Array.of(0), trimmed) : tlv(0x02, trimmed);
}

export function integerFromBigInt(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError('only non-negative integers are supported');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return unsignedInteger(Uint8Array.from(Buffer.from(hex, 'hex')));
}

/** Encodes a dotted OID. */
export function objectIdentifier(oid: string): Uint8Array {
  const arcs = oid.split('.').map((arc) => BigInt(arc));
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined) throw new RangeError(`bad OID ${oid}`);
  const bytes: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const groups: number[] = [];
    for (let v = arc; ; v >>= 7n) {
      groups.unshift(Number(v & 0x7fn) | (groups.length > 0 ? 0x80 : 0));
      if (v < 0x80n) break;
    }
    bytes.push(...groups);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, always whole seconds in Z. */
export function time(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  const rest =
    pad2(date.getUTCMonth() + 1) +
    pad2(date.getUTCDate()) +
    pad2(date.getUTCHours()) +
    pad2(date.getUTCMinutes()) +
    pad2(date.getUTCSeconds()) +
    'Z';
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(pad2(year % 100) + rest, 'latin1'));
  return tlv(0x18, Buffer.from(String(year).padStart(4, '0') + rest, 'latin1'));
}

export interface DerElement {
  tag: number;
  /** The whole element, header included. */
  raw: Uint8Array;
  content: Uint8Array;
}

/** Reads the element starting at `offset` (definite lengths only, as DER requires). */
export function readElement(bytes: Uint8Array, offset = 0): DerElement {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined) throw new RangeError('truncated DER');
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new RangeError('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[offset + 2 + i] ?? 0);
    header += count;
  }
  const end = offset + header + length;
  if (end > bytes.length) throw new RangeError('truncated DER');
  return { tag, raw: bytes.subarray(offset, end), content: bytes.subarray(offset + header, end) };
}

/** The children of a constructed element, in order. */
export function readChildren(element: DerElement): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = 0; offset < element.content.length; ) {
    const child = readElement(element.content, offset);
    children.push(child);
    offset += child.raw.length;
  }
  return children;
}
