import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { bashCompletion, zshCompletion } from './completion.ts';
import { memoryIo } from './test-io.ts';
import { buildProgram } from './program.ts';

const program = buildProgram(memoryIo().io);

/** Runs the bash completion function for a command line and returns the candidates. */
function complete(line: string): string[] {
  const words = line.split(' ');
  const script = `${bashCompletion(program)}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _sluice; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', script], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

test('bash completion offers verbs, the verb’s flags and flag values', () => {
  assert.ok(complete('sluice vpn-server-cl').includes('vpn-server-clients'));
  assert.ok(complete('sluice vpn-server-clients srv --').includes('--watch'));
  assert.deepEqual(complete('sluice vpn-server-create --protocol '), ['udp', 'tcp']);
  assert.deepEqual(complete('sluice completion '), ['bash', 'zsh']);
});

test('the zsh script is valid zsh (when zsh is installed)', (t) => {
  const zsh = spawnSync('zsh', ['-n'], { input: zshCompletion(program) });
  if (zsh.error) {
    if (process.env.CI === 'true') throw new Error('zsh is not installed; CI must check the zsh completion (apt-get install zsh)');
    process.stderr.write('\n*** NOT RUN: zsh completion check (zsh not installed) ***\n\n');
    return t.skip('zsh is not installed');
  }
  assert.equal(zsh.status, 0, zsh.stderr.toString());
});
