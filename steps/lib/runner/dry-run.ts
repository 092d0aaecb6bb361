import { join } from 'node:path';
import { errorMessage } from '../errors.js';
import { pipelineVariables, taskRunContext, taskRunName, type RunIdentity } from './engine.js';
import type { Executor } from './executor.js';
import { describeReference } from './expressions.js';
import type { ParamValue } from './model.js';
import { resolveParams } from './params.js';
import { workspaceRoot, type RunPlan } from './plan.js';
import { planSteps, resolveVolumes, taskScope } from './step-plan.js';
import { substituteList, substituteString, substituteValue, type Scope } from './substitute.js';
import {
  baseMounts,
  keyReader,
  scriptAsCommand,
  volumeMounts,
  type BoundWorkspace,
  type ConfigSources,
} from './taskrun.js';
import type { PlannedTask } from './validate.js';

export interface DryRunStep {
  name: string;
  image?: string;
  /** What would run: the command line on the host, or the `buildah run` line in container mode. */
  command: string[];
  script?: string;
}

export interface DryRunTask {
  name: string;
  section: 'tasks' | 'finally';
  taskRun: string;
  task: string;
  after: string[];
  when: string[];
  params: Record<string, ParamValue>;
  steps: DryRunStep[];
  /** Why the steps cannot be shown before the run (e.g. a param whose type depends on a result). */
  problem?: string;
}

export interface DryRun {
  pipelineRun: string;
  pipeline: string;
  mode: 'host' | 'container';
  params: Record<string, ParamValue>;
  /** Tasks by depth: each level runs after the ones before it, tasks of one level in parallel. */
  levels: string[][];
  tasks: DryRunTask[];
}

/** A scope where what is only known at run time (results, statuses) stays as its `$(...)` text. */
function placeholderScope(plan: RunPlan, identity: RunIdentity, p: PlannedTask): Scope {
  const variables = pipelineVariables(plan, identity, p.task);
  return {
    param: (name) => plan.params[name],
    result: (ref) => {
      const text = `$(${describeReference(ref)})`;
      return ref.selector?.kind === 'all' ? [text] : text;
    },
    taskStatus: (task) => `$(tasks.${task}.status)`,
    tasksStatus: () => '$(tasks.status)',
    variable: (key) => variables.get(key),
  };
}

function describeTask(
  plan: RunPlan,
  identity: RunIdentity,
  executor: Executor,
  sources: ConfigSources,
  workDir: string,
  p: PlannedTask,
): DryRunTask {
  const runName = taskRunName(identity, p.task.name);
  const scope = placeholderScope(plan, identity, p);
  const out: DryRunTask = {
    name: p.task.name,
    section: p.section,
    taskRun: runName,
    task: p.embedded ? 'embedded taskSpec' : p.taskName,
    after: [...(plan.dag.parents.get(p.task.name) ?? [])],
    when: [],
    params: {},
    steps: [],
  };
  try {
    out.when = p.task.when.map(
      (w) =>
        `"${substituteString(w.input, scope)}" ${w.operator} [${substituteList(w.values, scope).join(', ')}]`,
    );
    const given = new Map(p.task.params.map((param) => [param.name, substituteValue(param.value, scope)]));
    const params = resolveParams(p.spec.params, given, `task ${p.task.name}`);
    out.params = params;
    const dir = join(workDir, runName);
    const workspaces: BoundWorkspace[] = p.spec.workspaces.map((declaration) => {
      const binding = p.task.workspaces.find((b) => b.name === declaration.name);
      const source = binding && plan.workspaces.get(binding.workspace);
      const root = binding && source ? workspaceRoot(source, binding.workspace, workDir, dir) : undefined;
      return {
        declaration,
        hostPath: root && binding?.subPath ? join(root, substituteString(binding.subPath, scope)) : root,
      };
    });
    const context = taskRunContext(plan, identity, p, '(assigned at run time)', 0);
    const views = workspaces.map((w) => ({
      name: w.declaration.name,
      bound: w.hostPath !== undefined,
      mountPath: w.declaration.mountPath,
    }));
    const taskVariables = taskScope(p.spec, params, context, views, p.embedded ? plan.params : {});
    const steps = planSteps(p.spec, taskVariables, keyReader(sources));
    const volumes = resolveVolumes(p.spec.volumes, taskVariables);
    out.steps = steps.map((planned) => {
      const step = scriptAsCommand(planned);
      const mounts = [
        ...baseMounts(dir, workspaces),
        ...volumeMounts(step, volumes, dir, sources, p.task.name),
      ];
      const command = executor.describe({
        pipelineTask: p.task.name,
        taskRun: runName,
        step,
        mounts,
        defaultWorkingDir: join(dir, 'work'),
      });
      return {
        name: step.name,
        image: step.image,
        command,
        ...(planned.script !== undefined ? { script: executor.scriptText(planned.script, mounts) } : {}),
      };
    });
  } catch (err) {
    out.problem = errorMessage(err);
  }
  return out;
}

/** What a run would do, resolved as far as it can be before any task runs. */
export function describeRun(
  plan: RunPlan,
  identity: RunIdentity,
  executor: Executor,
  sources: ConfigSources,
  workDir: string,
): DryRun {
  return {
    pipelineRun: identity.pipelineRunName,
    pipeline: plan.pipeline.name,
    mode: executor.mode,
    params: plan.params,
    levels: plan.dag.levels,
    tasks: [...plan.tasks, ...plan.finally].map((p) =>
      describeTask(plan, identity, executor, sources, workDir, p),
    ),
  };
}
