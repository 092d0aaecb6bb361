import { UsageError } from '../errors.js';
import { describeReference, findReferences, type Reference } from './expressions.js';
import type { ParamType, Pipeline, PipelineTask, TaskSpec } from './model.js';
import { pipelineTaskReferences } from './dag.js';
import { referencesIn } from './substitute.js';

/** A pipeline task with the Task it runs. */
export interface PlannedTask {
  task: PipelineTask;
  section: 'tasks' | 'finally';
  spec: TaskSpec;
  /** The Task's name: `$(context.task.name)`. */
  taskName: string;
  /** An embedded taskSpec, which sees the pipeline's params without declaring them. */
  embedded: boolean;
}

const PIPELINE_VARIABLES = [
  /^context\.pipelineRun\.(name|namespace|uid)$/,
  /^context\.pipeline\.name$/,
  /^context\.pipelineTask\.retries$/,
];
const TASK_VARIABLES = [
  /^context\.taskRun\.(name|namespace|uid)$/,
  /^context\.task\.(name|retry-count)$/,
  /^context\.pipelineTask\.retries$/,
];

/** What a selector needs: `[*]` an array or object, `[i]` an array, `.key` an object. */
function selectorProblem(
  ref: Extract<Reference, { kind: 'param' | 'result' }>,
  type: ParamType,
): string | undefined {
  const s = ref.selector;
  if (!s) return undefined;
  if (s.kind === 'all' && type === 'string') return 'uses [*] on a string';
  if (s.kind === 'index' && type !== 'array') return `indexes a${type === 'object' ? 'n object' : ' string'}`;
  if (s.kind === 'key' && type !== 'object')
    return `reads a key of a${type === 'array' ? 'n array' : ' string'}`;
  return undefined;
}

/** Checks that every reference a pipeline task makes names a declared param, task result, status or variable. */
function checkPipelineTask(
  pipeline: Pipeline,
  planned: PlannedTask,
  specs: ReadonlyMap<string, TaskSpec>,
): void {
  const where = `${pipeline.source}: ${planned.section === 'finally' ? 'finally task' : 'task'} ${planned.task.name}`;
  for (const ref of pipelineTaskReferences(planned.task))
    checkPipelineReference(pipeline, ref, where, planned.section, specs);
}

function checkPipelineReference(
  pipeline: Pipeline,
  ref: Reference,
  where: string,
  section: 'tasks' | 'finally' | 'results',
  specs: ReadonlyMap<string, TaskSpec>,
): void {
  const text = `$(${describeReference(ref)})`;
  const fail = (problem: string): never => {
    throw new UsageError(`${where}: ${text} ${problem}`);
  };
  switch (ref.kind) {
    case 'param': {
      const spec = pipeline.params.find((p) => p.name === ref.name);
      if (!spec)
        return fail(
          `names no param of the pipeline (params: ${pipeline.params.map((p) => p.name).join(', ') || 'none'})`,
        );
      const problem = selectorProblem(ref, spec.type);
      if (problem) fail(problem);
      return;
    }
    case 'result': {
      const finallyRef = ref.section === 'finally';
      if (finallyRef && section !== 'results')
        fail('reads a finally task result, which only pipeline results may');
      const owner = (finallyRef ? pipeline.finally : pipeline.tasks).find((t) => t.name === ref.task);
      if (!owner) return fail(`names no ${finallyRef ? 'finally task' : 'task'} of the pipeline`);
      const result = specs.get(ref.task)?.results.find((r) => r.name === ref.result);
      if (!result) return fail(`names no result of task ${ref.task}`);
      const problem = selectorProblem(ref, result.type);
      if (problem) fail(problem);
      return;
    }
    case 'taskStatus':
    case 'tasksStatus':
      if (section !== 'finally') fail('is only available in finally tasks');
      if (ref.kind === 'taskStatus' && !pipeline.tasks.some((t) => t.name === ref.task))
        fail('names no task of the pipeline');
      return;
    case 'variable': {
      const bound = /^workspaces\.([^.]+)\.bound$/.exec(ref.key);
      if (bound && pipeline.workspaces.some((w) => w.name === bound[1])) return;
      if (!PIPELINE_VARIABLES.some((re) => re.test(ref.key)))
        fail('is not a variable available in a Pipeline');
    }
  }
}

/** Every string of a Task's steps Tekton substitutes into. */
function stepTexts(spec: TaskSpec): string[] {
  const template = spec.stepTemplate;
  const containers = [...spec.steps, ...(template ? [template] : [])];
  return [
    ...containers.flatMap((c) => [
      c.image ?? '',
      ...(c.command ?? []),
      ...(c.args ?? []),
      'script' in c ? (c.script ?? '') : '',
      c.workingDir ?? '',
      ...(c.env ?? []).flatMap((e) => [
        e.value ?? '',
        e.secretKeyRef?.name ?? '',
        e.secretKeyRef?.key ?? '',
        e.configMapKeyRef?.name ?? '',
        e.configMapKeyRef?.key ?? '',
      ]),
      ...(c.volumeMounts ?? []).flatMap((m) => [m.name, m.mountPath, m.subPath ?? '']),
    ]),
    ...spec.volumes.map((v) => (v.source.kind === 'emptyDir' ? '' : v.source.name)),
  ];
}

/** Checks a Task's own references: declared params (or the pipeline's, for an embedded spec), results, workspaces, steps. */
export function checkTaskSpec(spec: TaskSpec, where: string, propagated: Pipeline['params'] = []): void {
  for (const text of stepTexts(spec)) {
    for (const { ref, text: whole } of findReferences(text)) {
      const fail = (problem: string): never => {
        throw new UsageError(`${where}: ${whole} ${problem}`);
      };
      if (ref.kind === 'param') {
        const param =
          spec.params.find((p) => p.name === ref.name) ?? propagated.find((p) => p.name === ref.name);
        if (!param)
          return fail(
            `names no param of the task (params: ${spec.params.map((p) => p.name).join(', ') || 'none'})`,
          );
        const problem = selectorProblem(ref, param.type);
        if (problem) fail(problem);
        continue;
      }
      if (ref.kind !== 'variable') return fail("is only available in a Pipeline, not in a Task's steps");
      const key = ref.key;
      const result = /^results\.([^.]+)\.path$/.exec(key);
      const workspace = /^workspaces\.([^.]+)\.(path|bound|claim|volume)$/.exec(key);
      const step = /^steps\.step-([^.]+)\.exitCode\.path$/.exec(key);
      const known =
        (result && spec.results.some((r) => r.name === result[1])) ||
        (workspace && spec.workspaces.some((w) => w.name === workspace[1])) ||
        (step && spec.steps.some((s) => s.name === step[1])) ||
        TASK_VARIABLES.some((re) => re.test(key));
      if (!known) fail('is not a variable this Task declares or Tekton provides');
    }
  }
}

/**
 * The checks Tekton's admission webhook and reconciler make before any TaskRun starts, as one-line usage errors:
 * references, required params and workspaces of every Task, and the pipeline's results.
 */
export function validatePipeline(pipeline: Pipeline, planned: readonly PlannedTask[]): void {
  const specs = new Map(planned.map((p) => [p.task.name, p.spec]));
  for (const p of planned) {
    const where = `${pipeline.source}: ${p.section === 'finally' ? 'finally task' : 'task'} ${p.task.name}`;
    checkPipelineTask(pipeline, p, specs);
    checkTaskSpec(
      p.spec,
      `${where} (${p.embedded ? 'taskSpec' : `Task ${p.taskName}`})`,
      p.embedded ? pipeline.params : [],
    );
    const given = new Set(p.task.params.map((x) => x.name));
    for (const param of p.spec.params) {
      const propagated = p.embedded && pipeline.params.some((x) => x.name === param.name);
      if (param.default === undefined && !given.has(param.name) && !propagated) {
        throw new UsageError(
          `${where}: Task ${p.taskName} needs param ${param.name}, which the pipeline task does not pass`,
        );
      }
    }
    for (const ws of p.spec.workspaces) {
      const binding = p.task.workspaces.find((b) => b.name === ws.name);
      if (!binding && !ws.optional)
        throw new UsageError(
          `${where}: Task ${p.taskName} needs workspace ${ws.name}, which the pipeline task does not bind`,
        );
      if (binding && !pipeline.workspaces.some((w) => w.name === binding.workspace)) {
        throw new UsageError(
          `${where}: workspace ${ws.name} is bound to "${binding.workspace}", which is not a workspace of the pipeline`,
        );
      }
    }
    for (const binding of p.task.workspaces) {
      if (!p.spec.workspaces.some((w) => w.name === binding.name))
        throw new UsageError(
          `${where}: binds workspace ${binding.name}, which Task ${p.taskName} does not declare`,
        );
    }
  }
  for (const result of pipeline.results) {
    for (const ref of referencesIn(result.value))
      checkPipelineReference(
        pipeline,
        ref,
        `${pipeline.source}: pipeline result ${result.name}`,
        'results',
        specs,
      );
  }
}
