import { EnvironmentError } from './executor.js';
import type { EnvVar, KeyRef, ParamValue, Step, TaskSpec, Volume, VolumeMount } from './model.js';
import { substituteList, substituteString, SubstitutionError, type Scope } from './substitute.js';

/** Where Tekton mounts a TaskRun's own directories in every step container. */
export const TEKTON_RESULTS = '/tekton/results';
export const TEKTON_STEPS = '/tekton/steps';
export const TEKTON_SCRIPTS = '/tekton/scripts';

/** Tekton's preamble for a script without a shebang (tasks.md, "Running scripts within Steps"). */
export const DEFAULT_SCRIPT_PREAMBLE = '#!/bin/sh\nset -e\n';

export interface TaskRunContext {
  pipelineRunName: string;
  pipelineRunUid: string;
  pipelineName: string;
  namespace: string;
  taskRunName: string;
  taskRunUid: string;
  /** The Task's name (metadata.name for a taskRef, the pipeline task's name for an embedded spec). */
  taskName: string;
  retryCount: number;
  pipelineTaskRetries: number;
}

export interface WorkspaceView {
  name: string;
  bound: boolean;
  mountPath: string;
}

export interface ResolvedStep {
  name: string;
  image?: string;
  /** Undefined: the image's entrypoint. */
  command?: string[];
  args: string[];
  /** The script to write and execute, preamble included. */
  script?: string;
  env: Record<string, string>;
  workingDir?: string;
  onError: 'continue' | 'stopAndFail';
  timeoutMs?: number;
  volumeMounts: VolumeMount[];
}

/** Reads a key of a Secret or ConfigMap for `valueFrom`; undefined when it is absent. */
export type KeyReader = (kind: 'secret' | 'configMap', ref: KeyRef) => string | undefined;

export function exitCodePath(stepName: string): string {
  return `${TEKTON_STEPS}/step-${stepName}/exitCode`;
}

/**
 * The variables a Task's steps see (variables.md, "Variables available in a Task"). Pipeline params reach an
 * embedded taskSpec without being declared (propagated parameters); the Task's own params win.
 */
export function taskScope(
  spec: TaskSpec,
  params: Readonly<Record<string, ParamValue>>,
  ctx: TaskRunContext,
  workspaces: readonly WorkspaceView[],
  propagated: Readonly<Record<string, ParamValue>> = {},
): Scope {
  const variables = new Map<string, string>([
    ['context.taskRun.name', ctx.taskRunName],
    ['context.taskRun.namespace', ctx.namespace],
    ['context.taskRun.uid', ctx.taskRunUid],
    ['context.task.name', ctx.taskName],
    ['context.task.retry-count', String(ctx.retryCount)],
    ['context.pipelineTask.retries', String(ctx.pipelineTaskRetries)],
  ]);
  for (const result of spec.results)
    variables.set(`results.${result.name}.path`, `${TEKTON_RESULTS}/${result.name}`);
  for (const ws of workspaces) {
    variables.set(`workspaces.${ws.name}.path`, ws.bound ? ws.mountPath : '');
    variables.set(`workspaces.${ws.name}.bound`, String(ws.bound));
    variables.set(`workspaces.${ws.name}.claim`, '');
    variables.set(`workspaces.${ws.name}.volume`, ws.bound ? ws.name : '');
  }
  for (const step of spec.steps)
    variables.set(`steps.step-${step.name}.exitCode.path`, exitCodePath(step.name));
  return {
    param: (name) => params[name] ?? propagated[name],
    result: (ref) => {
      throw new SubstitutionError(
        `$(${ref.section}.${ref.task}.results.${ref.result}) is only available in a Pipeline, not inside a Task`,
        'unknown',
      );
    },
    taskStatus: () => undefined,
    tasksStatus: () => undefined,
    variable: (key) => variables.get(key),
  };
}

/** A step with the stepTemplate under it: the step's fields win, env merges by name (Tekton's strategic merge). */
export function mergeStepTemplate(step: Step, template: TaskSpec['stepTemplate']): Step {
  if (!template) return step;
  const env = [...(template.env ?? [])];
  for (const variable of step.env) {
    const at = env.findIndex((e) => e.name === variable.name);
    if (at >= 0) env[at] = variable;
    else env.push(variable);
  }
  const mounts = [
    ...(template.volumeMounts ?? []).filter(
      (m) => !step.volumeMounts.some((s) => s.mountPath === m.mountPath),
    ),
    ...step.volumeMounts,
  ];
  return {
    ...step,
    image: step.image ?? template.image,
    command: step.command ?? (step.script === undefined ? template.command : undefined),
    args: step.args ?? template.args,
    workingDir: step.workingDir ?? template.workingDir,
    env,
    volumeMounts: mounts,
  };
}

/** Kubernetes expands `$(VAR)` in command, args and env values to the container's own env; `$$(VAR)` escapes it. */
export function expandContainerEnv(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(
    /\$\$\(([A-Za-z_][A-Za-z0-9_]*)\)|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
    (whole, escaped: string | undefined, name: string | undefined) => {
      if (escaped) return `$(${escaped})`;
      return name !== undefined && env[name] !== undefined ? (env[name] as string) : whole;
    },
  );
}

/** A script runs as written when it names its interpreter; otherwise with Tekton's /bin/sh preamble. */
export function scriptWithShebang(script: string): string {
  return script.startsWith('#!') ? script : DEFAULT_SCRIPT_PREAMBLE + script;
}

/** The interpreter a script's shebang names, split into words (`#!/usr/bin/env bash` → ['/usr/bin/env', 'bash']). */
export function shebang(script: string): string[] {
  const first = script.split('\n', 1)[0] ?? '';
  return first.startsWith('#!') ? first.slice(2).trim().split(/\s+/).filter(Boolean) : [];
}

function resolveEnv(vars: readonly EnvVar[], scope: Scope, readKey: KeyReader): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of vars) {
    const ref = variable.secretKeyRef ?? variable.configMapKeyRef;
    if (!ref) {
      env[variable.name] = expandContainerEnv(substituteString(variable.value ?? '', scope), env);
      continue;
    }
    const kind = variable.secretKeyRef ? 'secret' : 'configMap';
    const resolved = {
      ...ref,
      name: substituteString(ref.name, scope),
      key: substituteString(ref.key, scope),
    };
    const value = readKey(kind, resolved);
    if (value !== undefined) env[variable.name] = value;
    else if (!ref.optional) {
      const flag = kind === 'secret' ? '--secret' : '--configmap';
      throw new EnvironmentError(
        `env ${variable.name}: key ${resolved.key} of ${kind} ${resolved.name} is not there (give it with ${flag} ${resolved.name}=DIR)`,
        'SourceMissing',
      );
    }
  }
  return env;
}

/** The Task's volumes with their Secret and ConfigMap names substituted (`secretName: $(params.WEBHOOK_SECRET)`). */
export function resolveVolumes(volumes: readonly Volume[], scope: Scope): Volume[] {
  return volumes.map((v) =>
    v.source.kind === 'emptyDir'
      ? v
      : { ...v, source: { ...v.source, name: substituteString(v.source.name, scope) } },
  );
}

/** Every step of a TaskRun, with the stepTemplate merged in and every Tekton and container variable substituted. */
export function planSteps(spec: TaskSpec, scope: Scope, readKey: KeyReader): ResolvedStep[] {
  return spec.steps.map((original) => {
    const step = mergeStepTemplate(original, spec.stepTemplate);
    const env = resolveEnv(step.env, scope, readKey);
    const list = (items: string[] | undefined) =>
      items ? substituteList(items, scope).map((item) => expandContainerEnv(item, env)) : undefined;
    return {
      name: step.name,
      image: step.image === undefined ? undefined : substituteString(step.image, scope),
      command: list(step.command),
      args: list(step.args) ?? [],
      script: step.script === undefined ? undefined : scriptWithShebang(substituteString(step.script, scope)),
      env,
      workingDir: step.workingDir ? substituteString(step.workingDir, scope) : undefined,
      onError: step.onError,
      timeoutMs: step.timeoutMs,
      volumeMounts: step.volumeMounts.map((m) => ({
        ...m,
        name: substituteString(m.name, scope),
        mountPath: substituteString(m.mountPath, scope),
        subPath: m.subPath === undefined ? undefined : substituteString(m.subPath, scope),
      })),
    };
  });
}
