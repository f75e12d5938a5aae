import { spawn, type ChildProcess } from 'node:child_process';

/** A `sluice` child process: its output kept for failure messages, stopped with a deadline. */
export interface SluiceChild {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
  /** Resolves when `pattern` appears in the output; rejects at the deadline or on exit. */
  waitFor(pattern: RegExp, what: string, withinMs: number): Promise<RegExpExecArray>;
  /** Signal, wait; a process that does not stop is killed after 30 s and its output tail printed. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** How long `stop()` waits for the process to exit after its signal before killing it. */
const STOP_DEADLINE_MS = 30_000;

export function spawnSluiceChild(label: string, command: string[], env: NodeJS.ProcessEnv): SluiceChild {
  const [binary = '', ...args] = command;
  const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-200_000);
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    waitFor: (pattern, what, withinMs) =>
      new Promise((resolve, reject) => {
        const done = (): void => {
          clearTimeout(deadline);
          listeners.delete(check);
        };
        const deadline = setTimeout(() => {
          done();
          child.kill('SIGKILL');
          reject(new Error(`${label}: ${what} did not happen within ${withinMs} ms:\n${output}`));
        }, withinMs);
        const check = (): void => {
          const match = pattern.exec(output);
          if (!match) return;
          done();
          resolve(match);
        };
        listeners.add(check);
        check();
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          done();
          reject(new Error(`${label} exited with ${code} before ${what}:\n${output}`));
        });
      }),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const stuck = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_DEADLINE_MS)))]);
      clearTimeout(timer);
      if (!stuck) return;
      process.stderr.write(`# ${label} (pid ${child.pid}) did not exit within ${STOP_DEADLINE_MS} ms of the signal; killed. Last output:\n${output.slice(-4000)}\n`);
      child.kill('SIGKILL');
      await exited;
    },
  };
}
