import { spawn } from 'node:child_process';
import type { RunRecord } from '../../steps/lib/runner/engine.js';
import { cliCommand } from '../../steps/lib/runner/cli-command.js';
import type { TaskOutcome } from '../../steps/lib/runner/status.js';
import { REPO_ROOT } from './cli.js';
import { onHostExit } from './host-process.js';

export interface PipelineRunOptions {
  params?: Record<string, string>;
  /** NAME=DIR bindings, as --workspace takes them (DIR may be temp or emptyDir). */
  workspaces?: Record<string, string>;
  secrets?: Record<string, string>;
  hostTools?: Record<string, string>;
  /** Any other flags of `image-lifecycle run`. */
  flags?: string[];
  /** Added to this process's environment: the steps inherit it (KUBECONFIG, TRIVY_REPLAY_REPORT...). */
  env?: NodeJS.ProcessEnv;
  /** Each chunk of the run's log (stderr) as it comes, e.g. to show it live. */
  onLog?: (text: string) => void;
  timeoutMs?: number;
}

export interface PipelineRun {
  code: number | null;
  /** The run record (`--output json`); undefined when the run did not get that far (bad input). */
  record?: RunRecord;
  log: string;
}

const pairs = (flag: string, values: Record<string, string> = {}) =>
  Object.entries(values).flatMap(([name, value]) => [flag, `${name}=${value}`]);

/** The arguments of `image-lifecycle run FILE ... --output json` for these options. */
export function pipelineRunArgs(file: string, options: PipelineRunOptions): string[] {
  return [
    'run',
    file,
    ...pairs('--param', options.params),
    ...pairs('--workspace', options.workspaces),
    ...pairs('--secret', options.secrets),
    ...pairs('--host-tool', options.hostTools),
    ...(options.flags ?? []),
    '--output',
    'json',
  ];
}

/**
 * Runs `image-lifecycle run` as a user does, in its own process from the checkout, and returns the exit code,
 * the JSON run record and the log (task and step lines, as `tkn pipelinerun logs` shows them).
 */
export function runPipeline(file: string, options: PipelineRunOptions = {}): Promise<PipelineRun> {
  const [node, ...cli] = cliCommand(REPO_ROOT);
  return new Promise((resolve, reject) => {
    const child = spawn(node as string, [...cli, ...pipelineRunArgs(file, options)], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_FORMAT: 'text', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let log = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
      options.onLog?.(d.toString());
    });
    // SIGTERM, not SIGKILL: the runner then cancels its TaskRuns and stops the step processes it started.
    const cancel = () => child.kill('SIGTERM');
    const timer = setTimeout(cancel, options.timeoutMs ?? 240_000);
    const forgetAtExit = onHostExit(cancel);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      forgetAtExit();
      let record: RunRecord | undefined;
      try {
        record = stdout.trim() ? (JSON.parse(stdout) as RunRecord) : undefined;
      } catch {
        reject(new Error(`the run printed something other than its JSON record: ${stdout.slice(0, 300)}`));
        return;
      }
      resolve({ code, record, log });
    });
  });
}

/** One task's outcome in a run record; a test failure names the tasks there are when it is missing. */
export function taskOf(record: RunRecord | undefined, name: string): TaskOutcome {
  const task = record?.tasks.find((t) => t.name === name);
  if (!task)
    throw new Error(
      `no task ${name} in the run record (tasks: ${record?.tasks.map((t) => t.name).join(', ')})`,
    );
  return task;
}

/** task name → status, for one assertion over a whole run. */
export function statuses(record: RunRecord | undefined): Record<string, string> {
  return Object.fromEntries((record?.tasks ?? []).map((t) => [t.name, t.status]));
}
