import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';

/**
 * A body that fails a union (`{"kind":"imported", …}` against the certificate prototypes) is
 * reported by ajv through its FIRST branch, which speaks of a shape the caller never meant
 * ("common_name is required"). The branch the caller meant is the one whose tag fields — those that
 * every branch fixes to a `const` or an `enum` (`kind`, `method`) — the data matches; its own first
 * error names what is really wrong.
 */

interface SchemaNode {
  anyOf?: SchemaNode[];
  properties?: Record<string, { const?: unknown; enum?: unknown[] }>;
}

const tagsOf = (branch: SchemaNode): Map<string, unknown[]> => {
  const tags = new Map<string, unknown[]>();
  for (const [name, property] of Object.entries(branch.properties ?? {})) {
    if (property.const !== undefined) tags.set(name, [property.const]);
    else if (Array.isArray(property.enum)) tags.set(name, property.enum);
  }
  return tags;
};

/** The one branch whose tag fields the data carries, when exactly one does. */
function meantBranch(branches: SchemaNode[], data: unknown): SchemaNode | undefined {
  if (typeof data !== 'object' || data === null || branches.length < 2) return undefined;
  const record = data as Record<string, unknown>;
  const perBranch = branches.map(tagsOf);
  const shared = [...(perBranch[0]?.keys() ?? [])].filter((name) => perBranch.every((tags) => tags.has(name)));
  if (shared.length === 0) return undefined;
  const matching = branches.filter((_, i) => shared.every((name) => perBranch[i]?.get(name)?.includes(record[name])));
  return matching.length === 1 ? matching[0] : undefined;
}

const compiled = new WeakMap<SchemaNode, ValidateFunction>();

/** Errors of a failed validation, with a failed union explained through the branch the data meant. */
export function explainUnions(ajv: Ajv, errors: ErrorObject[]): ErrorObject[] {
  const last = errors.at(-1);
  if (last?.keyword !== 'anyOf') return errors;
  const branch = meantBranch((last.parentSchema as SchemaNode | undefined)?.anyOf ?? [], last.data);
  if (!branch) return errors;
  let validate = compiled.get(branch);
  if (!validate) {
    validate = ajv.compile(branch);
    compiled.set(branch, validate);
  }
  if (validate(last.data)) return errors;
  const inner = (validate.errors ?? []).map((issue) => ({ ...issue, instancePath: `${last.instancePath}${issue.instancePath}` }));
  return inner.length > 0 ? explainUnions(ajv, inner) : errors;
}
