import type { Mount } from './paths.js';
import type { ResolvedStep } from './step-plan.js';

/**
 * The machine cannot run a step at all (a tool missing on the host, an image missing in local storage, a Secret
 * nobody gave). Not the pipeline's fault, so it is not retried, and the run ends with exit code 2 rather than 1.
 */
export class EnvironmentError extends Error {
  constructor(
    message: string,
    readonly reason: 'HostToolMissing' | 'ImageNotLocal' | 'NoCommand' | 'SourceMissing',
  ) {
    super(message);
  }
}

export interface StepExecution {
  pipelineTask: string;
  taskRun: string;
  /** With a script already turned into a command: the script file's container path. */
  step: ResolvedStep;
  mounts: readonly Mount[];
  /** The step's working directory when it names none (host mode; a container uses its image's). */
  defaultWorkingDir: string;
  signal: AbortSignal;
  onLine(line: string): void;
}

export interface Executor {
  readonly mode: 'host' | 'container';
  /** Runs one step to its end and returns its exit code; throws EnvironmentError when it cannot start it. */
  run(execution: StepExecution): Promise<number>;
  /** A script's text as this executor runs it (host mode rewrites container paths in it). */
  scriptText(script: string, mounts: readonly Mount[]): string;
  /** The command line the step would run, for --dry-run. */
  describe(execution: Omit<StepExecution, 'signal' | 'onLine'>): string[];
}
