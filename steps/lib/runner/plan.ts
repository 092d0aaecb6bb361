import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { buildDag, pipelineTaskReferences, type Dag } from './dag.js';
import { describeReference } from './expressions.js';
import type { ParamValue, Pipeline, PipelineTask, Task } from './model.js';
import { ParamError, resolveParams } from './params.js';
import { validatePipeline, type PlannedTask } from './validate.js';

/**
 * What backs a pipeline workspace: a host directory (like a PVC, shared by every task), `emptyDir` (a fresh
 * directory per TaskRun, as Tekton gives each pod its own), or `temp` (one fresh directory for the whole run, like a
 * volumeClaimTemplate).
 */
export type WorkspaceSource = { kind: 'dir'; path: string } | { kind: 'emptyDir' } | { kind: 'temp' };

/** The host directory behind a workspace for one TaskRun attempt (created by the caller). */
export function workspaceRoot(
  source: WorkspaceSource,
  workspace: string,
  runDir: string,
  attemptDir: string,
): string {
  if (source.kind === 'dir') return source.path;
  return source.kind === 'emptyDir'
    ? join(attemptDir, 'workspaces', workspace)
    : join(runDir, 'workspaces', workspace);
}

export interface PlanInput {
  pipeline: Pipeline;
  /** The Task a taskRef names; throws a UsageError saying where it looked when there is none. */
  findTask(name: string): Task;
  params: ReadonlyMap<string, ParamValue>;
  workspaces: ReadonlyMap<string, WorkspaceSource>;
  /** Run only these pipeline tasks. */
  only?: readonly string[];
}

export interface RunPlan {
  pipeline: Pipeline;
  params: Record<string, ParamValue>;
  /** The graph of the selected tasks only. */
  dag: Dag;
  tasks: PlannedTask[];
  finally: PlannedTask[];
  workspaces: ReadonlyMap<string, WorkspaceSource>;
}

function plannedTask(
  task: PipelineTask,
  section: PlannedTask['section'],
  findTask: PlanInput['findTask'],
): PlannedTask {
  if (task.taskSpec) return { task, section, spec: task.taskSpec, taskName: task.name, embedded: true };
  const found = findTask(task.taskRef as string);
  return { task, section, spec: found.spec, taskName: found.name, embedded: false };
}

/** Applies --only: unknown names are errors, and so is a selected task consuming results of one left out. */
function select(
  all: readonly PlannedTask[],
  only: readonly string[] | undefined,
  source: string,
): PlannedTask[] {
  if (!only) return [...all];
  const names = new Set(all.map((p) => p.task.name));
  for (const name of only)
    if (!names.has(name))
      throw new UsageError(`--only: ${source} has no task "${name}" (tasks: ${[...names].join(', ')})`);
  const chosen = all.filter((p) => only.includes(p.task.name));
  for (const p of chosen) {
    for (const ref of pipelineTaskReferences(p.task)) {
      if (ref.kind === 'result' && !only.includes(ref.task)) {
        throw new UsageError(
          `--only: task ${p.task.name} uses $(${describeReference(ref)}), but ${ref.task} is not selected; add it to --only`,
        );
      }
    }
  }
  return chosen;
}

/** Resolves and validates everything a run needs before any step starts; every problem is a UsageError (exit 2). */
export function planRun(input: PlanInput): RunPlan {
  const { pipeline } = input;
  let params: Record<string, ParamValue>;
  try {
    params = resolveParams(pipeline.params, input.params, `pipeline ${pipeline.name}`);
  } catch (err) {
    if (err instanceof ParamError && err.reason === 'ParameterMissing')
      throw new UsageError(`${err.message} (give --param NAME=VALUE)`);
    throw err;
  }
  for (const name of input.workspaces.keys()) {
    if (!pipeline.workspaces.some((w) => w.name === name)) {
      throw new UsageError(
        `--workspace ${name}: the pipeline has no such workspace (workspaces: ${pipeline.workspaces.map((w) => w.name).join(', ') || 'none'})`,
      );
    }
  }
  const all = [
    ...pipeline.tasks.map((t) => plannedTask(t, 'tasks', input.findTask)),
    ...pipeline.finally.map((t) => plannedTask(t, 'finally', input.findTask)),
  ];
  buildDag(pipeline);
  validatePipeline(pipeline, all);
  const chosen = select(all, input.only, pipeline.source);
  for (const p of chosen) {
    for (const binding of p.task.workspaces) {
      const declared = pipeline.workspaces.find((w) => w.name === binding.workspace);
      if (declared && !declared.optional && !input.workspaces.has(declared.name)) {
        throw new UsageError(
          `workspace ${declared.name} is required by task ${p.task.name}: give --workspace ${declared.name}=DIR (or =emptyDir, =temp)`,
        );
      }
    }
  }
  const selectedDag = chosen.filter((p) => p.section === 'tasks');
  const selectedNames = new Set(selectedDag.map((p) => p.task.name));
  const dag = buildDag({
    ...pipeline,
    // runAfter on a task left out by --only is only ordering: drop it.
    tasks: selectedDag.map((p) => ({
      ...p.task,
      runAfter: p.task.runAfter.filter((name) => selectedNames.has(name)),
    })),
  });
  return {
    pipeline,
    params,
    dag,
    tasks: selectedDag,
    finally: chosen.filter((p) => p.section === 'finally'),
    workspaces: input.workspaces,
  };
}
