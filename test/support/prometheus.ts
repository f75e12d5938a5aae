import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** A scrape read with a real Prometheus text-format parser, queried by name and labels. */
export class Scrape {
  readonly families: ReturnType<typeof parsePrometheusTextFormat>;

  constructor(readonly text: string) {
    this.families = parsePrometheusTextFormat(text);
  }

  family(name: string) {
    return this.families.find((f) => f.name === name);
  }

  /** The sample whose labels include `labels`; 0 when the series does not exist (yet). */
  value(name: string, labels: Record<string, string> = {}): number {
    const sample = this.family(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    return Number(sample?.value ?? sample?.count ?? 0);
  }

  /**
   * Observations of a histogram with these labels. The parser folds a histogram's samples into one
   * and drops their labels, so the `_count` lines are parsed on their own, as an untyped family.
   */
  histogramCount(name: string, labels: Record<string, string> = {}): number {
    const lines = this.text.split('\n').filter((line) => line.startsWith(`${name}_count`));
    return new Scrape(`${lines.join('\n')}\n`).value(`${name}_count`, labels);
  }

  /** Every label set of a family's samples (to check labels stay bounded). */
  labelSets(name: string): Record<string, string>[] {
    return (this.family(name)?.metrics ?? []).map((m) => m.labels ?? {});
  }
}

export async function scrape(url: string, token?: string): Promise<Scrape> {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (res.status !== 200) throw new Error(`scrape of ${url} answered ${res.status}: ${await res.text()}`);
  return new Scrape(await res.text());
}
