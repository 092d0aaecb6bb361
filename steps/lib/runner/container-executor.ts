import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { EnvironmentError, type Executor, type StepExecution } from './executor.js';
import { runProcess } from './process.js';

const exec = promisify(execFile);

export interface ContainerExecutorOptions {
  /** Global buildah options before the subcommand, e.g. `--storage-driver vfs --root DIR`. */
  buildahArgs: readonly string[];
  /** A kubeconfig file to mount into every step and point KUBECONFIG at. */
  kubeconfig?: string;
}

/** Where a step finds the kubeconfig the runner mounts. */
const KUBECONFIG_IN_CONTAINER = '/tekton/kubeconfig';

/** BUILDAH_OPTS as images/build-images.sh reads it; vfs storage works without privileges or fuse. */
export function buildahArgsFromEnv(env: NodeJS.ProcessEnv): string[] {
  return (env.BUILDAH_OPTS ?? '--storage-driver vfs').split(/\s+/).filter(Boolean);
}

interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
}

/**
 * Runs each step in its own image with `buildah run --isolation chroot`, the TaskRun's directories mounted where
 * Tekton mounts them. Only images already in local storage run: nothing is pulled. Chroot isolation shares the
 * host's network, so registries and API servers on 127.0.0.1 are reachable from the steps.
 */
export class ContainerExecutor implements Executor {
  readonly mode = 'container';

  constructor(private readonly options: ContainerExecutorOptions) {}

  private async buildah(args: readonly string[]): Promise<string> {
    const { stdout } = await exec('buildah', [...this.options.buildahArgs, ...args], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  }

  private runArgs(
    execution: Omit<StepExecution, 'signal' | 'onLine'>,
    container: string,
    argv: readonly string[],
  ): string[] {
    const { step } = execution;
    const args = ['run', '--isolation', 'chroot'];
    for (const mount of execution.mounts)
      args.push('-v', `${mount.hostPath}:${mount.containerPath}${mount.readOnly ? ':ro' : ''}`);
    const env = { ...step.env };
    if (this.options.kubeconfig) {
      args.push('-v', `${this.options.kubeconfig}:${KUBECONFIG_IN_CONTAINER}:ro`);
      env.KUBECONFIG ??= KUBECONFIG_IN_CONTAINER;
    }
    for (const [name, value] of Object.entries(env)) args.push('--env', `${name}=${value}`);
    if (step.workingDir) args.push('--workingdir', step.workingDir);
    return [...args, container, '--', ...argv];
  }

  describe(execution: Omit<StepExecution, 'signal' | 'onLine'>): string[] {
    const argv = execution.step.command
      ? [...execution.step.command, ...execution.step.args]
      : ['<entrypoint of the image>', ...execution.step.args];
    return [
      'buildah',
      ...this.options.buildahArgs,
      ...this.runArgs(execution, execution.step.image ?? '<no image>', argv),
    ];
  }

  scriptText(script: string): string {
    return script;
  }

  async run(execution: StepExecution): Promise<number> {
    const { step } = execution;
    const where = `step ${step.name} of task ${execution.pipelineTask}`;
    if (!step.image) throw new EnvironmentError(`${where} names no image`, 'ImageNotLocal');
    const name = `il-${execution.taskRun}-${step.name}-${randomBytes(3).toString('hex')}`.slice(0, 120);
    try {
      await this.buildah(['from', '--pull=never', '--name', name, step.image]);
    } catch {
      throw new EnvironmentError(
        `${where} needs image ${step.image}, which is not in local storage (container mode runs local images only: build or pull it first)`,
        'ImageNotLocal',
      );
    }
    try {
      const argv = step.command
        ? [...step.command, ...step.args]
        : await this.entrypoint(step.image, step.args);
      if (argv.length === 0)
        throw new EnvironmentError(
          `${where}: image ${step.image} has no entrypoint and the step no command`,
          'NoCommand',
        );
      const args = [...this.options.buildahArgs, ...this.runArgs(execution, name, argv)];
      return await runProcess(['buildah', ...args], {
        env: process.env,
        signal: execution.signal,
        onLine: execution.onLine,
      });
    } finally {
      await this.buildah(['rm', name]).catch(() => undefined);
    }
  }

  /** Kubernetes semantics: no command runs the image's ENTRYPOINT with the step's args, or with CMD when it has none. */
  private async entrypoint(image: string, args: readonly string[]): Promise<string[]> {
    const inspected = JSON.parse(await this.buildah(['inspect', '--type', 'image', image])) as {
      OCIv1?: { config?: ImageConfig };
    };
    const config = inspected.OCIv1?.config ?? {};
    return [...(config.Entrypoint ?? []), ...(args.length ? args : (config.Cmd ?? []))];
  }
}
