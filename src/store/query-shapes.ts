import type { Compilable, CompiledQuery } from 'kysely';
import type { Executor } from './schema.ts';

/** A stand-in for the run's value at `index` while a shape is built; never reaches the database. */
export type Mark = <T>(index: number) => T;

interface Shape {
  query: CompiledQuery<unknown>;
  /** For each compiled parameter: the index of the run value it is, or -1 for a constant of the text. */
  slots: number[];
}

const MARKER = '\u0000sluice-slot:';

/**
 * Queries on a hot path built and compiled once per shape instead of on every call: building and
 * compiling a Kysely query cost as much as a third of the page query's own run (measured on the
 * client list). A shape is built once with markers in place of the values, and each marker's
 * position among the compiled parameters says where that value goes in later runs. The key must
 * name everything that changes the text (which filters, sort, a cursor or not); the values must be
 * plain ones bound as parameters: no lists, though a JSON array goes in as its text (inJsonText). Kept per executor, as texts differ by dialect.
 */
export class QueryShapes {
  private readonly byExecutor = new WeakMap<object, Map<string, Shape>>();

  compile<R>(db: Executor, key: string, values: readonly unknown[], build: (mark: Mark) => Compilable<R>): CompiledQuery<R> {
    let shapes = this.byExecutor.get(db);
    if (!shapes) {
      shapes = new Map();
      this.byExecutor.set(db, shapes);
    }
    let shape = shapes.get(key);
    if (!shape) {
      shape = shapeOf(build, values.length);
      shapes.set(key, shape);
    }
    const constants = shape.query.parameters;
    const parameters = shape.slots.map((slot, i) => (slot === -1 ? constants[i] : values[slot]));
    // The shape was built by this very `build`, so its rows are of type R.
    return { ...(shape.query as CompiledQuery<R>), parameters };
  }
}

function shapeOf(build: (mark: Mark) => Compilable<unknown>, count: number): Shape {
  // A marker is a string whatever type it stands for: it only has to be told apart when compiled.
  const mark: Mark = <T>(index: number): T => `${MARKER}${index}` as unknown as T;
  const query = build(mark).compile();
  const slots = query.parameters.map((parameter) => {
    if (typeof parameter !== 'string' || !parameter.startsWith(MARKER)) return -1;
    const index = Number(parameter.slice(MARKER.length));
    if (!(index >= 0 && index < count)) throw new Error(`query shape: marker ${index} of ${count} values`);
    return index;
  });
  return { query, slots };
}
