import http from 'node:http';
import { API_VERSION, type TestApi } from '../../test/support/api-client.ts';

/**
 * API calls over connections opened ahead, through Node's own HTTP client. Where a benchmark
 * times a call against a raw command written to a socket, the caller's side should cost what any
 * HTTP client must: `fetch` spent 1–4 ms of this process's CPU per call before the request left
 * (measured), and opened a connection per concurrent call on the way.
 */
export class KeepAliveCaller {
  private readonly agent: http.Agent;
  private readonly url: URL;

  constructor(private readonly api: TestApi, connections: number) {
    this.url = new URL(api.base);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  }

  /** Opens `count` connections now (concurrent health checks), so the timed calls find them open. */
  async open(count: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => this.request('GET', '/healthz', false)));
  }

  /** A POST with no body; resolves with the status once the answer is read. */
  post(path: string): Promise<number> {
    return this.request('POST', `${path}?${API_VERSION}`, true);
  }

  close(): void {
    this.agent.destroy();
  }

  private request(method: string, path: string, authorized: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = authorized ? { authorization: `Bearer ${this.api.bearer()}` } : {};
      const req = http.request({ agent: this.agent, host: this.url.hostname, port: this.url.port, method, path: `${this.url.pathname.replace(/\/$/, '')}${path}`, headers }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('error', reject);
      req.end();
    });
  }
}
