/**
 * The baseline's management client: the least a program can do with OpenVPN's management socket
 * and still run a server — release the hold, let every client in (`client-auth-nt`), kill by CID,
 * read `status 3`. No store, no domain, no session tracking: the floor Sluice is compared with.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

interface Waiting {
  block: boolean;
  resolve: (lines: string[]) => void;
}

export class RawManagementClient {
  /** CID → when `>CLIENT:ESTABLISHED` was read, and the client's real port from its ENV. */
  readonly established = new Map<number, { at: number; port: number }>();
  readonly disconnected = new Map<number, number>();
  private readonly socket: net.Socket;
  private buffered = '';
  private readonly waiting: Waiting[] = [];
  private block: string[] | undefined;
  private client: { kind: string; cid: number; kid: number; env: Map<string, string> } | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    // An OpenVPN killed under it (the failover baseline) resets the socket: not an error here.
    socket.on('error', () => undefined);
  }

  static async connect(path: string, timeoutMs = 30_000): Promise<RawManagementClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.createConnection({ path });
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        const client = new RawManagementClient(socket);
        await client.command('hold release');
        return client;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`raw management client: ${path}: ${String(error)}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  close(): void {
    this.socket.destroy();
  }

  /** A single-line command (`SUCCESS:`/`ERROR:` reply). */
  command(text: string): Promise<string> {
    return this.send(text, false).then((lines) => lines[0] ?? '');
  }

  killClient(cid: number): Promise<string> {
    return this.command(`client-kill ${cid} HALT`);
  }

  /** CIDs `status 3` lists with a virtual address (i.e. past ESTABLISHED). */
  async statusCids(): Promise<number[]> {
    const lines = await this.send('status 3', true);
    const header = lines.find((l) => l.startsWith('HEADER\tCLIENT_LIST'))?.split('\t') ?? [];
    const cidColumn = header.indexOf('Client ID') - 1;
    const virtualColumn = header.indexOf('Virtual Address') - 1;
    return lines
      .filter((l) => l.startsWith('CLIENT_LIST\t'))
      .map((l) => l.split('\t'))
      .filter((cols) => (cols[virtualColumn] ?? '') !== '')
      .map((cols) => Number(cols[cidColumn]));
  }

  /** Link bytes per CID of the clients `status 3` lists with a virtual address. */
  async statusBytes(): Promise<Map<number, { received: number; sent: number }>> {
    const lines = await this.send('status 3', true);
    const header = lines.find((l) => l.startsWith('HEADER\tCLIENT_LIST'))?.split('\t') ?? [];
    const column = (name: string): number => header.indexOf(name) - 1;
    const out = new Map<number, { received: number; sent: number }>();
    for (const cols of lines.filter((l) => l.startsWith('CLIENT_LIST\t')).map((l) => l.split('\t'))) {
      if ((cols[column('Virtual Address')] ?? '') === '') continue;
      out.set(Number(cols[column('Client ID')]), { received: Number(cols[column('Bytes Received')]), sent: Number(cols[column('Bytes Sent')]) });
    }
    return out;
  }

  private send(text: string, block: boolean): Promise<string[]> {
    return new Promise((resolve) => {
      this.waiting.push({ block, resolve });
      this.socket.write(`${text}\n`);
    });
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let end = this.buffered.indexOf('\r\n');
    while (end >= 0) {
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 2);
      this.onLine(line);
      end = this.buffered.indexOf('\r\n');
    }
  }

  private onLine(line: string): void {
    if (line.startsWith('>')) return this.onEvent(line);
    const head = this.waiting[0];
    if (head === undefined) return;
    if (!head.block || line.startsWith('ERROR:')) {
      this.waiting.shift();
      head.resolve([line]);
      return;
    }
    if (line === 'END') {
      this.waiting.shift();
      head.resolve(this.block ?? []);
      this.block = undefined;
      return;
    }
    (this.block ??= []).push(line);
  }

  private onEvent(line: string): void {
    if (line.startsWith('>CLIENT:ENV,')) {
      const pair = line.slice('>CLIENT:ENV,'.length);
      if (pair !== 'END') {
        const eq = pair.indexOf('=');
        this.client?.env.set(pair.slice(0, eq), pair.slice(eq + 1));
        return;
      }
      const client = this.client;
      this.client = undefined;
      if (client === undefined) return;
      if (client.kind === 'CONNECT' || client.kind === 'REAUTH') void this.send(`client-auth-nt ${client.cid} ${client.kid}`, false); // every command gets a reply: keep the FIFO aligned
      else if (client.kind === 'ESTABLISHED') this.established.set(client.cid, { at: performance.now(), port: Number(client.env.get('untrusted_port') ?? 0) });
      else if (client.kind === 'DISCONNECT') this.disconnected.set(client.cid, performance.now());
      return;
    }
    if (line.startsWith('>CLIENT:')) {
      const [kind = '', cid = '0', kid = '0'] = line.slice('>CLIENT:'.length).split(',');
      if (kind === 'ADDRESS') return;
      this.client = { kind, cid: Number(cid), kid: Number(kid), env: new Map() };
    }
  }
}
