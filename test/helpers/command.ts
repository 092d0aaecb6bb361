import { spawn } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export interface RunCommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** How failures name the command; default the program and its first argument. */
  label?: string;
}

/**
 * Runs a program with an argument array (never through a shell) and collects its output.
 * Failures name the program and its first argument only: the rest may hold credentials.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const { timeoutMs = 60_000 } = options;
  const label = options.label ?? [command, args[0]].filter(Boolean).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${label}: could not start (${error.message})`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) resolve({ stdout, stderr });
      else if (timedOut) reject(new Error(`${label}: no result after ${timeoutMs} ms`));
      else
        reject(
          new Error(
            `${label} failed (${code ?? signal}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`,
          ),
        );
    });
  });
}
