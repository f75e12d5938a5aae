/**
 * Recorded management transcripts (test/fixtures/management/*.txt): one line per protocol line,
 * `S: ` for what OpenVPN sent, `C: ` for what the agent sent. Recorded by the real-openvpn test and
 * replayed by the core and fake-server tests.
 */
import { readFileSync } from 'node:fs';

export interface TranscriptLine {
  from: 'server' | 'client';
  line: string;
}

const SECRET_ENV = /^(>CLIENT:ENV,(?:tls_serial(?:_hex)?_\d|tls_digest(?:_sha256)?_\d)=).*$/;

/** Turns traced chunks into lines (in arrival order) and strips run-specific or identifying data. */
export function sanitiseTranscript(chunks: ReadonlyArray<readonly ['in' | 'out', string]>, run: { dir: string }): string {
  const partial = { in: '', out: '' };
  const lines: string[] = [];
  for (const [direction, text] of chunks) {
    partial[direction] += text;
    let newline = partial[direction].indexOf('\n');
    while (newline !== -1) {
      let line = partial[direction].slice(0, newline).replace(/\r$/, '');
      partial[direction] = partial[direction].slice(newline + 1);
      line = line.split(run.dir).join('/tmp/sluice-test').replace(SECRET_ENV, '$1REDACTED');
      lines.push(`${direction === 'in' ? 'S' : 'C'}: ${line}`);
      newline = partial[direction].indexOf('\n');
    }
  }
  return [
    '# OpenVPN 2.6.14 management transcript, recorded by src/gateway/io/openvpn.real.test.ts',
    '# S: = sent by OpenVPN, C: = sent by the agent. Certificate serials/digests redacted.',
    ...lines,
    '',
  ].join('\n');
}

export function readTranscript(file: string): TranscriptLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('S: ') || line.startsWith('C: '))
    .map((line) => ({ from: line.startsWith('S: ') ? 'server' : 'client', line: line.slice(3) }));
}

/** The OpenVPN side as the wire bytes it was (`\r\n` endings). */
export function serverWireText(lines: readonly TranscriptLine[]): string {
  return lines
    .filter((l) => l.from === 'server')
    .map((l) => `${l.line}\r\n`)
    .join('');
}
