import { SluiceError } from '../../errors/catalogue.ts';

/** RFC 5280 upper bound for a commonName. */
export const MAX_COMMON_NAME = 64;

/**
 * Bidirectional controls (embeddings, overrides, isolates, marks) make a name display as something
 * it is not — "alice\u202Egpj.exe" shows as "aliceexe.jpg" in a console or a log viewer.
 */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Why a common name cannot be put in a certificate Sluice issues, or undefined when it can. */
export function commonNameProblem(commonName: string): string | undefined {
  if (commonName.trim() === '' || commonName.length > MAX_COMMON_NAME || CONTROL_CHARACTERS.test(commonName)) {
    return `common name must be 1 to ${MAX_COMMON_NAME} printable characters`;
  }
  if (BIDI_CONTROLS.test(commonName)) return 'common name must not contain bidirectional control characters';
  return undefined;
}

/** Throws `invalid_value`, naming `field` when given, unless the common name is acceptable. */
export function assertCommonName(commonName: string, field?: string): void {
  const problem = commonNameProblem(commonName);
  if (problem === undefined) return;
  throw new SluiceError('invalid_value', problem, field === undefined ? undefined : { name: field, type: 'field', value: commonName });
}

export const hasBidiControls = (text: string): boolean => BIDI_CONTROLS.test(text);
