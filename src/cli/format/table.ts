/** Columns separated by three spaces, like the reference CLI; the last column is not padded. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(width(header), ...rows.map((row) => width(row[column] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell + ' '.repeat((widths[column] ?? 0) - width(cell))))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** Two columns, field names left; for one resource. */
export function renderFields(fields: readonly (readonly [string, string])[]): string {
  const labelWidth = Math.max(...fields.map(([label]) => width(label)));
  return fields.map(([label, value]) => `${label.padEnd(labelWidth)}   ${value}`.trimEnd()).join('\n') + '\n';
}

// Code points, not UTF-16 units, so names with accents still align.
const width = (text: string): number => [...text].length;

export const dash = (value: string | number | undefined | null): string => (value === undefined || value === null || value === '' ? '-' : String(value));
