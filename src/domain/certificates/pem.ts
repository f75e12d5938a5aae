import { SluiceError } from '../../errors/catalogue.ts';

/** One `-----BEGIN <label>-----` block, decoded. */
export interface PemBlock {
  label: string;
  der: Uint8Array<ArrayBuffer>;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

const invalid = (message: string): SluiceError => new SluiceError('certificate_invalid', message);

/**
 * Splits PEM text into its blocks. Text between blocks is ignored, as OpenSSL does, because real
 * bundles often carry "subject=" or "Bag Attributes" lines; but a block that is unterminated, has
 * mismatched labels, carries headers (legacy encrypted keys) or is not base64 is rejected, and so is
 * input with no block at all. `what` names the input in error messages ("certificate", "chain").
 */
export function splitPem(text: string, what: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, label = '', body = '', endLabel = ''] = match;
    if (label !== endLabel) throw invalid(`${what}: PEM block BEGIN ${label} ends with END ${endLabel}`);
    if (body.includes(':')) throw invalid(`${what}: PEM block ${label} has headers (legacy encryption is not supported)`);
    const base64 = body.replace(/\s+/g, '');
    if (base64.length === 0 || base64.length % 4 !== 0 || !BASE64_BODY.test(base64)) {
      throw invalid(`${what}: PEM block ${label} is not valid base64`);
    }
    blocks.push({ label, der: Uint8Array.from(Buffer.from(base64, 'base64')) });
  }
  const begins = text.match(/-----BEGIN /g)?.length ?? 0;
  if (begins !== blocks.length) throw invalid(`${what}: a PEM block is not terminated`);
  if (blocks.length === 0) throw invalid(`${what} is not PEM (no -----BEGIN ...----- block)`);
  return blocks;
}

/**
 * Refuses text outside the PEM blocks. Lenient parsing suits files read from disk, but PEM sent to
 * the API ends up in OpenVPN configs and profiles, where stray lines could be read as directives.
 */
export function assertNothingButPem(text: string, what: string): void {
  const outside = text.replace(BLOCK, '');
  if (outside.trim() !== '') {
    const sample = outside.trim().split('\n')[0]?.slice(0, 40) ?? '';
    throw invalid(`${what} has text outside its PEM blocks ("${sample}"); send only the -----BEGIN … END----- blocks`);
  }
}

/** Splits and checks that every block has one of the expected labels. */
export function splitPemOf(text: string, what: string, labels: readonly string[]): PemBlock[] {
  const blocks = splitPem(text, what);
  for (const block of blocks) {
    if (!labels.includes(block.label)) {
      throw invalid(`${what}: expected ${labels.join(' or ')}, found ${block.label}`);
    }
  }
  return blocks;
}

/** Exactly one block with one of the expected labels. */
export function singlePem(text: string, what: string, labels: readonly string[]): PemBlock {
  const blocks = splitPemOf(text, what, labels);
  const [only] = blocks;
  if (only === undefined || blocks.length !== 1) {
    throw invalid(`${what}: expected exactly one ${labels[0] ?? 'PEM'} block, found ${blocks.length}`);
  }
  return only;
}

/** Encodes DER as PEM with 64-character lines and a trailing newline. */
export function encodePem(label: string, der: Uint8Array | ArrayBuffer): string {
  const base64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
