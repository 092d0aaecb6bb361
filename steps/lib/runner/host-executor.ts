import { accessSync, constants, mkdirSync, openSync, readSync, closeSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { commonFlags } from '../tekton/args.js';
import { EnvironmentError, type Executor, type StepExecution } from './executor.js';
import { hostPathRewriter, type Mount } from './paths.js';
import { runProcess } from './process.js';
import { shebang, TEKTON_RESULTS } from './step-plan.js';

/** The CLI reads its --results-dir default from here, so a step left on Tekton's default writes where the runner reads. */
export const RESULTS_DIR_ENV = commonFlags['results-dir'].env;

export interface HostExecutorOptions {
  /** Directories put first on PATH: the one holding the `image-lifecycle` shim. */
  pathPrefix: readonly string[];
  /** Environment every step inherits (the runner's own, with KUBECONFIG when a cluster is set). */
  env: NodeJS.ProcessEnv;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(program: string, pathVar: string | undefined): string | undefined {
  if (program.includes('/')) return isExecutable(program) ? program : undefined;
  return (pathVar ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, program))
    .find(isExecutable);
}

function firstLine(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(256);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, n).toString('utf8').split('\n', 1)[0] ?? '';
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs steps as processes on this machine. `image-lifecycle` resolves to the project's CLI through the shim on
 * PATH; any other image's tool (git, buildah, trivy) must be installed here. Container paths in the step
 * (results, workspaces, volumes) are rewritten to the host directories behind them.
 */
export class HostExecutor implements Executor {
  readonly mode = 'host';

  constructor(private readonly options: HostExecutorOptions) {}

  private prepare(execution: Omit<StepExecution, 'signal' | 'onLine'>) {
    const { step } = execution;
    const rewrite = hostPathRewriter(execution.mounts);
    if (!step.command || step.command.length === 0) {
      throw new EnvironmentError(
        `step ${step.name} of task ${execution.pipelineTask} has no command or script: host mode cannot run an image's entrypoint (use --mode container)`,
        'NoCommand',
      );
    }
    const argv = [...step.command, ...step.args].map(rewrite);
    const results = execution.mounts.find((m) => m.containerPath === TEKTON_RESULTS)?.hostPath;
    const env: NodeJS.ProcessEnv = {
      ...this.options.env,
      PATH: [...this.options.pathPrefix, this.options.env.PATH ?? ''].filter(Boolean).join(delimiter),
      ...(results ? { [RESULTS_DIR_ENV]: results } : {}),
    };
    for (const [name, value] of Object.entries(step.env)) env[name] = rewrite(value);
    const cwd = step.workingDir ? rewrite(step.workingDir) : execution.defaultWorkingDir;
    return { argv, env, cwd };
  }

  describe(execution: Omit<StepExecution, 'signal' | 'onLine'>): string[] {
    return this.prepare(execution).argv;
  }

  scriptText(script: string, mounts: readonly Mount[]): string {
    return hostPathRewriter(mounts)(script);
  }

  async run(execution: StepExecution): Promise<number> {
    const { argv, env, cwd } = this.prepare(execution);
    const where = `step ${execution.step.name} of task ${execution.pipelineTask}`;
    const missing = (tool: string) =>
      new EnvironmentError(
        `${where} runs "${tool}", which is not installed on this machine (host mode runs other images' tools from the host: install it, or use --mode container)`,
        'HostToolMissing',
      );
    const program = argv[0] as string;
    const resolved = onPath(program, env.PATH);
    if (!resolved) throw missing(program);
    // A script names its interpreter in its shebang; a missing one would otherwise fail with a bare ENOENT.
    if (isAbsolute(resolved)) {
      const interpreter = shebang(firstLine(resolved));
      const tool =
        interpreter[0] && /\/env$/.test(interpreter[0])
          ? interpreter.find((word, i) => i > 0 && !word.startsWith('-'))
          : interpreter[0];
      if (tool && !onPath(tool, env.PATH)) throw missing(tool);
    }
    mkdirSync(cwd, { recursive: true });
    try {
      return await runProcess(argv, { cwd, env, signal: execution.signal, onLine: execution.onLine });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(program);
      throw err;
    }
  }
}
