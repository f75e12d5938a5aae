/**
 * Parsed JSON of an API answer. Tests read fields they know and assert on them; a checked type
 * per response would only restate the golden contract samples.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

import { request as httpRequest } from 'node:http';

/** The query every versioned API call carries: the API version and generation Sluice answers. */
export const API_VERSION = 'version=2026-11-25&generation=2';

/** fetch's answer as far as these tests read it. */
interface Answer {
  status: number;
  text(): Promise<string>;
}

/** HTTP over a unix socket: a `sluice serve` inside a network namespace is reached through one. */
function overSocket(socketPath: string, url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { pathname, search } = new URL(url);
    const req = httpRequest({ socketPath, path: `${pathname}${search}`, method: init.method, headers: { ...init.headers, host: 'localhost' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: async () => text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A minimal HTTP client for end-to-end tests against a real `sluice serve`. */
export class TestApi {
  private token: string | undefined;

  constructor(
    readonly base: string,
    private readonly apiKey: string,
    /** Reach the server through this unix socket instead of TCP (same URLs otherwise). */
    private readonly socketPath?: string,
  ) {}

  private send(url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Answer> {
    return this.socketPath ? overSocket(this.socketPath, url, init) : fetch(url, init);
  }

  bearer(): string {
    return this.token ?? '';
  }

  async login(): Promise<this> {
    const res = await this.send(`${this.base}/identity/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: this.apiKey }).toString(),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${text}`);
    this.token = (JSON.parse(text) as { access_token: string }).access_token;
    return this;
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; text: string }> {
    const url = `${this.base}${path}${path.includes('?') ? '&' : '?'}${API_VERSION}`;
    const res = await this.send(url, {
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
