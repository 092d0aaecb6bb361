import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export interface ProcessOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Each line the process prints on stdout or stderr, as it comes. */
  onLine(line: string): void;
}

/** How long a process gets between SIGTERM and SIGKILL once its step is cancelled, like a pod's grace period (shortened). */
const KILL_GRACE_MS = 2000;

function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  let partial = '';
  return {
    push(chunk) {
      const parts = (partial + chunk.toString('utf8')).split(/\r?\n/);
      partial = parts.pop() ?? '';
      for (const line of parts) onLine(line);
    },
    end() {
      if (partial) onLine(partial);
      partial = '';
    },
  };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  try {
    if (pid) process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Process groups still running; a runner that exits must not leave them behind. */
const live = new Set<number>();
function killLive(): void {
  for (const pid of live) killGroup(pid, 'SIGKILL');
}

/**
 * Runs a program (never through a shell) in its own process group, streaming its output line by line. Resolves
 * with its exit code, 128 + the signal number when a signal ended it. Aborting kills the whole group, so a
 * script's children go too.
 */
export function runProcess(argv: readonly string[], options: ProcessOptions): Promise<number> {
  const [program, ...args] = argv;
  if (!program) return Promise.reject(new Error('empty command'));
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const out = lineSplitter(options.onLine);
    const err = lineSplitter(options.onLine);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
    if (child.pid) {
      if (live.size === 0) process.once('exit', killLive);
      live.add(child.pid);
    }
    const forget = () => {
      options.signal.removeEventListener('abort', onAbort);
      if (child.pid) live.delete(child.pid);
      if (live.size === 0) process.off('exit', killLive);
    };
    child.once('error', (error) => {
      forget();
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(killTimer);
      forget();
      out.end();
      err.end();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
