import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The checkout this code runs from, found upwards from the working directory (jest and tsx both start there). */
function findRepoRoot(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'image-lifecycle'
    )
      return dir;
    if (dirname(dir) === dir) throw new Error(`no image-lifecycle checkout above ${start}`);
  }
}

export const REPO_ROOT = findRepoRoot(process.cwd());
const BUNDLE = join(REPO_ROOT, 'dist', 'image-lifecycle.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let useBundle: boolean | undefined;
/** The bundle when `make build` made it after the last source change (fast start), the sources through tsx otherwise. */
function cliCommand(): string[] {
  if (useBundle === undefined) {
    try {
      useBundle = statSync(BUNDLE).mtimeMs > newestSource(join(REPO_ROOT, 'steps'));
    } catch {
      useBundle = false;
    }
  }
  return useBundle ? [BUNDLE] : ['--import', 'tsx', join(REPO_ROOT, 'steps', 'cli.ts')];
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

/** Starts `image-lifecycle <args>` as a separate process; `done` settles when it exits, killed or not. */
export function startCli(
  args: string[],
  options: CliOptions = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [...cliCommand(), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_FORMAT: 'text', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin?.end(options.input ?? '');
  });
  return { child, done };
}

/** Runs `image-lifecycle <args>` as a separate process, the way Tekton runs a step. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}
