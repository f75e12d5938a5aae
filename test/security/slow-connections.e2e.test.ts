/**
 * The security suite's socket attack: 20 000 slow connections from one loopback address against
 * a real `sluice serve` with its default limits, while another address keeps asking /healthz.
 * Bounded (at most PENDING connects in flight; the attack ends once every socket has been tried
 * and closed), loopback only, and it stops by itself. Figures are printed as test diagnostics.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { DEFAULT_LIMITS } from '../../src/config/limits.ts';
import { startSluice, type SluiceProcess } from '../support/sluice-process.ts';

const ATTEMPTS = 20_000;
/** Connects in flight at once: keeps the attacker under this process's file-descriptor limit. */
const PENDING = 1000;
const ATTACKER = '127.0.0.1';
const MONITOR = '127.0.0.2';
/** Sockets accepted and closed within one turn of the server's event loop, seen in passing. */
const TRANSIENT_SLACK = 256;

/** Open file descriptors of a process: what the server really holds, counted from outside. */
const fdsOf = (pid: number): number => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
};

interface Attempt {
  connectedAt?: number;
  closedAt?: number;
}

function healthz(base: URL): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest({ host: base.hostname, port: base.port, path: '/healthz', localAddress: MONITOR, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end();
  });
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

let sluice: SluiceProcess;
before(async () => {
  sluice = await startSluice();
});
after(async () => sluice?.stop());

test(`${ATTEMPTS} slow connections from one address leave /healthz answering`, { timeout: 240_000 }, async (t) => {
  const base = new URL(sluice.url);
  const port = Number(base.port);
  const attempts: Attempt[] = [];
  const drips = new Set<NodeJS.Timeout>();
  const sockets = new Set<ReturnType<typeof connect>>();
  let pending = 0;
  let wake: (() => void) | undefined;

  const probes: { status: number; ms: number }[] = [];
  let attacking = true;
  const baselineFds = fdsOf(sluice.pid);
  let peakFds = baselineFds;
  const sampler = setInterval(() => (peakFds = Math.max(peakFds, fdsOf(sluice.pid))), 50);
  const monitor = (async () => {
    while (attacking) {
      probes.push(await healthz(base));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();

  const open = (): void => {
    const attempt: Attempt = {};
    attempts.push(attempt);
    pending += 1;
    const socket = connect({ host: '127.0.0.1', port, localAddress: ATTACKER });
    sockets.add(socket);
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      pending -= 1;
      wake?.();
    };
    let drip: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      attempt.connectedAt = Date.now();
      settle();
      // Headers that never end: a line now, another byte every two seconds.
      socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
      drip = setInterval(() => socket.write('a'), 2000);
      drips.add(drip);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      attempt.closedAt = Date.now();
      if (drip) {
        clearInterval(drip);
        drips.delete(drip);
      }
      sockets.delete(socket);
      settle();
    });
  };

  const started = Date.now();
  try {
    for (let i = 0; i < ATTEMPTS; i += 1) {
      while (pending >= PENDING) await new Promise<void>((resolve) => (wake = resolve));
      open();
    }
    const launchedMs = Date.now() - started;
    // Held sockets must be let go by the server itself (header timeout), well within this deadline.
    const deadline = Date.now() + DEFAULT_LIMITS.headersTimeoutMs + 20_000;
    while (sockets.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    const stillOpen = sockets.size;
    attacking = false;
    await monitor;
    clearInterval(sampler);

    const connected = attempts.filter((a) => a.connectedAt !== undefined).length;
    const peak = peakFds - baselineFds;
    const longestOpen = Math.max(0, ...attempts.map((a) => (a.closedAt ?? Date.now()) - (a.connectedAt ?? Date.now())));
    const latencies = probes.map((p) => p.ms);
    t.diagnostic(`${ATTEMPTS} connections from ${ATTACKER} launched in ${launchedMs} ms, ${connected} connected; the server held at most ${peak} sockets at once (file descriptors over its baseline of ${baselineFds}; per-address cap ${DEFAULT_LIMITS.maxConnectionsPerAddress}); longest any attacking socket stayed open ${longestOpen} ms (header timeout ${DEFAULT_LIMITS.headersTimeoutMs} ms); still open at the end: ${stillOpen}`);
    t.diagnostic(`/healthz from ${MONITOR} during the attack: ${probes.length} probes, ${probes.filter((p) => p.status === 200).length} answered 200; latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);

    assert.equal(stillOpen, 0, 'the server let go of every slow socket by itself');
    assert.ok(peak <= DEFAULT_LIMITS.maxConnectionsPerAddress + TRANSIENT_SLACK, `the server held ${peak} sockets at once`);
    assert.ok(probes.length >= 5, `only ${probes.length} probes ran`);
    assert.deepEqual(probes.filter((p) => p.status !== 200), [], '/healthz answered every probe');
  } finally {
    clearInterval(sampler);
    attacking = false;
    for (const drip of drips) clearInterval(drip);
    for (const socket of sockets) socket.destroy();
  }
});
