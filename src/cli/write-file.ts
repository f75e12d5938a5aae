import { writeFile } from 'node:fs/promises';
import { CliError } from './errors.ts';

/** Writes a profile; `secret` ones (with a private key) are created 0600. */
export async function writeProfile(path: string, text: string, secret: boolean): Promise<void> {
  try {
    await writeFile(path, text, { mode: secret ? 0o600 : 0o644 });
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`);
  }
}
