import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { onHostExit } from './host-process.js';

/** Enough lines to count every request of a test file, bounded so a chatty server cannot eat the worker's memory. */
const MAX_LINES_PER_STREAM = 200_000;
const STREAM_DRAIN_MS = 1000;

/**
 * setpriv makes the kernel kill the child when the test process dies, even by SIGKILL, where no 'exit' handler
 * runs. The exit hook below covers the ordinary exit, and machines without setpriv.
 */
const SETPRIV = '/usr/bin/setpriv';

export interface ManagedProcess {
  readonly pid: number;
  readonly name: string;
  /** Resolves with the exit code (or the signal name) once the process has exited, for whatever reason. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
  stdoutLines(): string[];
  stderrLines(): string[];
  /** The last lines of both streams, for error messages when the server misbehaves. */
  outputTail(lines?: number): string;
  /** SIGTERM, then SIGKILL if it is still there after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartProcessOptions {
  name?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

class LineBuffer {
  readonly lines: string[] = [];
  private partial = '';

  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > MAX_LINES_PER_STREAM)
      this.lines.splice(0, this.lines.length - MAX_LINES_PER_STREAM);
  }

  all(): string[] {
    return this.partial ? [...this.lines, this.partial] : [...this.lines];
  }
}

export function startProcess(
  command: string,
  args: readonly string[],
  options: StartProcessOptions = {},
): ManagedProcess {
  const name = options.name ?? command;
  const [file, argv] = existsSync(SETPRIV)
    ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]]
    : [command, [...args]];
  const child: ChildProcess = spawn(file, argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = new LineBuffer();
  const stderr = new LineBuffer();
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  // A server a test forgot to stop must not keep the test process alive: let it exit, and kill the server then.
  child.unref();
  (child.stdout as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();

  let done = false;
  const forgetAtExit = onHostExit(() => child.kill('SIGKILL'));
  const exited = new Promise<number | string>((resolve) => {
    const finish = (result: number | string): void => {
      if (done) return;
      done = true;
      forgetAtExit();
      resolve(result);
    };
    // 'exit' can come before the pipes are drained; 'close' comes after, unless a grandchild holds them open.
    child.once('exit', (code, signal) => {
      const result = code ?? signal ?? 'unknown';
      const drainTimer = setTimeout(() => finish(result), STREAM_DRAIN_MS).unref();
      child.once('close', () => {
        clearTimeout(drainTimer);
        finish(result);
      });
    });
    child.once('error', (error) => {
      stderr.push(Buffer.from(`spawn failed: ${error.message}\n`));
      finish('spawn-error');
    });
  });

  return {
    pid: child.pid ?? -1,
    name,
    exited,
    hasExited: () => done,
    stdoutLines: () => stdout.all(),
    stderrLines: () => stderr.all(),
    outputTail(lines = 30) {
      const tail = [...stdout.all().slice(-lines), ...stderr.all().slice(-lines)];
      return tail.join('\n');
    },
    async stop(graceMs = 3000) {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface WaitForHttpOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Stop waiting as soon as this process exits: a server that died will never answer. */
  process?: ManagedProcess;
  ready?: (status: number) => boolean;
  headers?: Record<string, string>;
}

/** Polls url until it answers with a ready status; rejects after timeoutMs or when the watched process exits. */
export async function waitForHttp(url: string, options: WaitForHttpOptions = {}): Promise<void> {
  const { timeoutMs = 10_000, intervalMs = 50, ready = (status) => status >= 200 && status < 300 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (options.process?.hasExited()) {
      const code = await options.process.exited;
      throw new Error(
        `${options.process.name} exited (${code}) before ${url} answered:\n${options.process.outputTail()}`,
      );
    }
    try {
      const response = await fetch(url, { headers: options.headers, signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (ready(response.status)) return;
      lastProblem = `status ${response.status}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const tail = options.process ? `\n${options.process.outputTail()}` : '';
  throw new Error(`${url} was not ready after ${timeoutMs} ms (${lastProblem})${tail}`);
}

/** Waits until a line of the process's output matches; rejects on timeout or when the process exits first. */
export async function waitForOutput(child: ManagedProcess, pattern: RegExp, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const seen = (): boolean =>
    [...child.stderrLines(), ...child.stdoutLines()].some((line) => pattern.test(line));
  while (!seen()) {
    if (child.hasExited()) {
      throw new Error(
        `${child.name} exited (${await child.exited}) before printing ${pattern}:\n${child.outputTail()}`,
      );
    }
    if (Date.now() > deadline)
      throw new Error(`${child.name} did not print ${pattern} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
