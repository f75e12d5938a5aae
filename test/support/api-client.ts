/**
 * Parsed JSON of an API answer. Tests read fields they know and assert on them; a checked type
 * per response would only restate the golden contract samples.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A minimal HTTP client for end-to-end tests against a real `sluice serve`. */
export class TestApi {
  private token: string | undefined;

  constructor(
    readonly base: string,
    private readonly apiKey: string,
  ) {}

  bearer(): string {
    return this.token ?? '';
  }

  async login(): Promise<this> {
    const res = await fetch(`${this.base}/identity/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: this.apiKey }),
    });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    this.token = ((await res.json()) as { access_token: string }).access_token;
    return this;
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; text: string }> {
    const url = `${this.base}${path}${path.includes('?') ? '&' : '?'}version=2026-11-25&generation=2`;
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${this.token ?? ''}`, ...(body !== undefined && { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // text/plain answers (profiles) stay text
    }
    return { status: res.status, body: parsed, text };
  }

  async ok(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Json> {
    const res = await this.call(method, path, body, headers);
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${res.text}`);
    return res.body;
  }
}
