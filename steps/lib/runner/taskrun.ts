import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import { EnvironmentError, type Executor } from './executor.js';
import type { ParamValue, TaskSpec, Volume, WorkspaceDeclaration } from './model.js';
import { ParamError, resolveParams } from './params.js';
import type { Mount } from './paths.js';
import {
  exceedsTerminationMessage,
  parseResultValue,
  readResultFiles,
  RESULTS_TOO_LARGE,
} from './results.js';
import {
  planSteps,
  resolveVolumes,
  taskScope,
  TEKTON_RESULTS,
  TEKTON_SCRIPTS,
  TEKTON_STEPS,
  type KeyReader,
  type ResolvedStep,
  type TaskRunContext,
} from './step-plan.js';
import { SubstitutionError } from './substitute.js';
import { timerMs } from './duration.js';

/** Directories standing in for Secrets and ConfigMaps: one file per key, as Kubernetes mounts them. */
export interface ConfigSources {
  secrets: ReadonlyMap<string, string>;
  configMaps: ReadonlyMap<string, string>;
}

export interface BoundWorkspace {
  declaration: WorkspaceDeclaration;
  /** The host directory; undefined for an optional workspace left unbound. */
  hostPath?: string;
}

export interface TaskRunRequest {
  pipelineTask: string;
  spec: TaskSpec;
  /** Param values from the pipeline task, substituted at the pipeline level. */
  params: ReadonlyMap<string, ParamValue>;
  /** Pipeline params an embedded taskSpec sees without declaring them. */
  propagated: Readonly<Record<string, ParamValue>>;
  context: TaskRunContext;
  workspaces: readonly BoundWorkspace[];
  sources: ConfigSources;
  /** A fresh directory for this attempt. */
  dir: string;
  executor: Executor;
  signal: AbortSignal;
  onLine(step: string, line: string): void;
}

export interface AttemptOutcome {
  status: 'Succeeded' | 'Failed';
  reason: string;
  message?: string;
  results: Record<string, ParamValue>;
  /** The machine could not run a step: no retry, and the run exits 2. */
  environment: boolean;
}

function makeDir(path: string): string {
  mkdirSync(path, { recursive: true });
  // Step images run as an arbitrary non-root user; the runner's directories must be writable to them.
  chmodSync(path, 0o777);
  return path;
}

export function keyReader(sources: ConfigSources): KeyReader {
  return (kind, ref) => {
    const dir = (kind === 'secret' ? sources.secrets : sources.configMaps).get(ref.name);
    const file = dir === undefined ? undefined : join(dir, ref.key);
    return file && existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
}

/** Where a TaskRun attempt keeps its results, step exit codes, scripts and volumes on the host. */
export function taskRunLayout(dir: string) {
  return {
    results: join(dir, 'results'),
    steps: join(dir, 'steps'),
    scripts: join(dir, 'scripts'),
    work: join(dir, 'work'),
    volume: (name: string) => join(dir, 'volumes', name),
  };
}

/** The mounts every step of a TaskRun gets: Tekton's directories and the bound workspaces. */
export function baseMounts(dir: string, workspaces: readonly BoundWorkspace[]): Mount[] {
  const layout = taskRunLayout(dir);
  return [
    { containerPath: TEKTON_RESULTS, hostPath: layout.results, readOnly: false },
    { containerPath: TEKTON_STEPS, hostPath: layout.steps, readOnly: false },
    { containerPath: TEKTON_SCRIPTS, hostPath: layout.scripts, readOnly: true },
    ...workspaces.flatMap((w) =>
      w.hostPath
        ? [{ containerPath: w.declaration.mountPath, hostPath: w.hostPath, readOnly: w.declaration.readOnly }]
        : [],
    ),
  ];
}

/**
 * A step's volume mounts on the host: emptyDir volumes in the TaskRun's directory, Secrets and ConfigMaps from the
 * directories given for them. A missing one that is not optional keeps the step from starting, as it keeps a pod.
 */
export function volumeMounts(
  step: ResolvedStep,
  volumes: readonly Volume[],
  dir: string,
  sources: ConfigSources,
  pipelineTask: string,
): Mount[] {
  return step.volumeMounts.map((m) => {
    const volume = volumes.find((v) => v.name === m.name);
    if (!volume)
      throw new SubstitutionError(
        `step ${step.name} mounts volume ${m.name}, which the task does not declare`,
        'unknown',
      );
    const source = volume.source;
    let root = taskRunLayout(dir).volume(volume.name);
    if (source.kind !== 'emptyDir') {
      const given = (source.kind === 'secret' ? sources.secrets : sources.configMaps).get(source.name);
      if (given) root = given;
      else if (!source.optional) {
        const flag = source.kind === 'secret' ? '--secret' : '--configmap';
        throw new EnvironmentError(
          `task ${pipelineTask} mounts ${source.kind} ${source.name}, which was not given (${flag} ${source.name}=DIR)`,
          'SourceMissing',
        );
      }
    }
    return {
      containerPath: m.mountPath,
      hostPath: m.subPath ? join(root, m.subPath) : root,
      readOnly: m.readOnly,
    };
  });
}

/** Runs one attempt of a TaskRun: its steps in order, then its results, with Tekton's failure rules. */
export async function runTaskAttempt(request: TaskRunRequest): Promise<AttemptOutcome> {
  const failed = (
    reason: string,
    message: string,
    results: Record<string, ParamValue> = {},
    environment = false,
  ): AttemptOutcome => ({
    status: 'Failed',
    reason,
    message,
    results,
    environment,
  });
  let steps: ResolvedStep[];
  let volumes: Volume[];
  try {
    const params = resolveParams(request.spec.params, request.params, `task ${request.pipelineTask}`);
    const views = request.workspaces.map((w) => ({
      name: w.declaration.name,
      bound: w.hostPath !== undefined,
      mountPath: w.declaration.mountPath,
    }));
    const scope = taskScope(request.spec, params, request.context, views, request.propagated);
    steps = planSteps(request.spec, scope, keyReader(request.sources));
    volumes = resolveVolumes(request.spec.volumes, scope);
  } catch (err) {
    if (err instanceof ParamError) return failed(err.reason, err.message);
    if (err instanceof SubstitutionError)
      return failed('TaskRunValidationFailed', `task ${request.pipelineTask}: ${err.message}`);
    if (err instanceof EnvironmentError)
      return failed(err.reason, `task ${request.pipelineTask}: ${err.message}`, {}, true);
    throw err;
  }

  const layout = taskRunLayout(request.dir);
  for (const dir of [layout.results, layout.scripts, layout.steps, layout.work]) makeDir(dir);
  const base = baseMounts(request.dir, request.workspaces);
  const collect = () => readResultFiles(layout.results, request.spec.results);

  for (const planned of steps) {
    const step = scriptAsCommand(planned);
    const stepTimeout = step.timeoutMs ? AbortSignal.timeout(timerMs(step.timeoutMs)) : undefined;
    const signal = stepTimeout ? AbortSignal.any([request.signal, stepTimeout]) : request.signal;
    const startedAt = new Date();
    let code: number;
    try {
      const mounts = [
        ...base,
        ...volumeMounts(step, volumes, request.dir, request.sources, request.pipelineTask),
      ];
      for (const mount of mounts) if (mount.hostPath.startsWith(request.dir)) makeDir(mount.hostPath);
      if (planned.script !== undefined) {
        writeFileSync(
          join(layout.scripts, `step-${step.name}`),
          request.executor.scriptText(planned.script, mounts),
          { mode: 0o755 },
        );
      }
      code = await request.executor.run({
        pipelineTask: request.pipelineTask,
        taskRun: request.context.taskRunName,
        step,
        mounts,
        defaultWorkingDir: layout.work,
        signal,
        onLine: (line) => request.onLine(step.name, line),
      });
    } catch (err) {
      if (err instanceof EnvironmentError) return failed(err.reason, err.message, {}, true);
      if (err instanceof SubstitutionError)
        return failed('TaskRunValidationFailed', `task ${request.pipelineTask}: ${err.message}`);
      return failed('Failed', `step ${step.name} could not start: ${errorMessage(err)}`);
    }
    const exitDir = makeDir(join(layout.steps, `step-${step.name}`));
    writeFileSync(join(exitDir, 'exitCode'), String(code));
    if (request.signal.aborted)
      return failed(
        'TaskRunTimeout',
        `TaskRun "${request.context.taskRunName}" failed to finish within its timeout`,
        {},
      );
    if (stepTimeout?.aborted)
      return failed('Failed', `"step-${step.name}" exited because the step timeout was reached`);
    if (exceedsTerminationMessage(collect(), startedAt))
      return failed('TaskRunResultLargerThanAllowedLimit', RESULTS_TOO_LARGE);
    if (code !== 0 && step.onError !== 'continue')
      return failed(
        'Failed',
        `"step-${step.name}" exited with code ${code}`,
        parseResults(request.spec, collect()).values,
      );
  }

  const { values, problem } = parseResults(request.spec, collect());
  if (problem) return failed('InvalidTaskResultReference', problem, values);
  return { status: 'Succeeded', reason: 'Succeeded', results: values, environment: false };
}

/** A script step runs as its script file, which Tekton mounts under /tekton/scripts. */
export function scriptAsCommand(step: ResolvedStep): ResolvedStep {
  return step.script === undefined ? step : { ...step, command: [`${TEKTON_SCRIPTS}/step-${step.name}`] };
}

function parseResults(
  spec: TaskSpec,
  raw: Record<string, string>,
): { values: Record<string, ParamValue>; problem?: string } {
  const values: Record<string, ParamValue> = {};
  for (const result of spec.results) {
    const text = raw[result.name];
    if (text === undefined) continue;
    try {
      values[result.name] = parseResultValue(result, text);
    } catch (err) {
      return { values, problem: errorMessage(err) };
    }
  }
  return { values };
}
