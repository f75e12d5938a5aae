/**
 * A row read as an array, as an object keyed by its column names. Both drivers give arrays for the
 * hot statements (their own objects cost more: see sqlite-statements.ts and database.ts); a later
 * column of the same name wins, as in the drivers' own objects.
 */
export function rowObject(names: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) row[names[i] as string] = values[i];
  return row;
}
