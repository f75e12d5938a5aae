// Runs inside a test's network namespace (`ip netns exec NS node net-helper.mjs`) and does plain
// TCP for the data-plane suite: one JSON command per stdin line, one JSON answer per stdout line.
//   listen  {port}                   a server that tells each client the address it came from
//   connect {host, port, timeoutMs}  a fresh connection: {ok, seen} or {ok:false, error}
//   open    {name, host, port}       a connection kept open under a name
//   push    {port, data}             the server on `port` writes to every connection it holds
//   relay   {path, host, port}       a unix socket (a file, so reachable from the host) piped to host:port here
//   expose  {host, port, path}       the other way: host:port here piped to a unix socket the host listens on
//   sink    {port}                   a server that reads everything and, at the end, answers how much it got
//   send    {host, port, bytes}      one TCP stream of `bytes` to a sink: {ok, ms} once the sink got it all
// Plain JavaScript with no dependencies, so it starts in milliseconds.
import net from 'node:net';
import { createInterface } from 'node:readline';
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const servers = new Map();
const kept = new Map();

function answer(id, body) {
  process.stdout.write(`${JSON.stringify({ id, ...body })}\n`);
}

function listen({ port }) {
  return new Promise((resolve, reject) => {
    const sockets = new Set();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.write(`${socket.remoteAddress?.replace(/^::ffff:/, '')}\n`);
    });
    server.on('error', reject);
    server.listen(port, '0.0.0.0', () => {
      servers.set(port, { server, sockets });
      resolve({ ok: true });
    });
  });
}

function connect({ host, port, timeoutMs }, keep) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let settled = false;
    const done = (body) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!keep || !body.ok) socket.destroy();
      resolve(body);
    };
    const timer = setTimeout(() => done({ ok: false, error: 'timeout' }), timeoutMs);
    socket.on('error', (error) => done({ ok: false, error: error.code ?? error.message }));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8');
      const line = text.indexOf('\n');
      if (line >= 0) {
        if (keep) keep(socket, text.slice(line + 1));
        done({ ok: true, seen: text.slice(0, line) });
      }
    });
  });
}

async function open({ name, host, port, timeoutMs }) {
  return connect({ host, port, timeoutMs: timeoutMs ?? 3000 }, (socket, rest) => {
    const entry = { socket, received: rest.length, closed: false };
    socket.on('data', (chunk) => (entry.received += chunk.length));
    socket.on('close', () => (entry.closed = true));
    kept.set(name, entry);
  });
}

function push({ port, data }) {
  const entry = servers.get(port);
  if (!entry) return { ok: false, error: `nothing listens on ${port}` };
  for (const socket of entry.sockets) socket.write(data);
  return { ok: true, connections: entry.sockets.size };
}

function relay({ path, host, port }) {
  rmSync(path, { force: true });
  return new Promise((resolve, reject) => {
    const server = net.createServer((downstream) => pipeBoth(downstream, net.connect({ host, port })));
    server.on('error', reject);
    server.listen(path, () => resolve({ ok: true }));
  });
}

function pipeBoth(downstream, upstream) {
  downstream.pipe(upstream).pipe(downstream);
  const close = () => {
    downstream.destroy();
    upstream.destroy();
  };
  downstream.on('error', close);
  upstream.on('error', close);
}

function expose({ host, port, path }) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((downstream) => pipeBoth(downstream, net.connect({ path })));
    server.on('error', reject);
    server.listen(port, host, () => resolve({ ok: true }));
  });
}

function sink({ port }) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      let count = 0;
      socket.on('data', (chunk) => (count += chunk.length));
      socket.on('end', () => socket.end(`${count}\n`));
      socket.on('error', () => undefined);
    });
    server.on('error', reject);
    server.listen(port, '0.0.0.0', () => resolve({ ok: true }));
  });
}

function send({ host, port, bytes, timeoutMs }) {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    const started = performance.now();
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, error: 'timeout' });
    }, timeoutMs ?? 60_000);
    let left = bytes;
    const pump = () => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!socket.write(piece)) return socket.once('drain', pump);
      }
      socket.end();
    };
    socket.on('connect', pump);
    let answer = '';
    socket.on('data', (data) => (answer += data.toString('utf8')));
    socket.on('end', () => {
      clearTimeout(timer);
      const got = Number(answer.trim());
      resolve(got === bytes ? { ok: true, ms: performance.now() - started } : { ok: false, error: `sink got ${answer.trim()} of ${bytes} bytes` });
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, error: error.code ?? error.message });
    });
  });
}

const commands = {
  sink,
  send,
  listen,
  connect: (args) => connect(args),
  open,
  push,
  relay,
  expose,
  received: ({ name }) => ({ ok: true, received: kept.get(name)?.received ?? 0, closed: kept.get(name)?.closed ?? true }),
};

createInterface({ input: process.stdin }).on('line', (line) => {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return answer(null, { ok: false, error: 'not JSON' });
  }
  const command = commands[request.op];
  if (!command) return answer(request.id, { ok: false, error: `unknown op ${request.op}` });
  Promise.resolve(command(request))
    .then((body) => answer(request.id, body))
    .catch((error) => answer(request.id, { ok: false, error: String(error?.message ?? error) }));
});
process.stdin.on('end', () => process.exit(0));
answer(0, { ok: true, ready: true });
