import { isObject, objects, type YamlObject } from './yaml-docs.js';

/**
 * What Tekton checks only when a PipelineRun runs, checked on the YAML: result references, params and
 * workspaces between a Pipeline and its Tasks, the finally tasks' use of results, and what triggers hand
 * their PipelineRuns. Pure functions; pipeline-dag.test.ts and triggers.test.ts feed them the library.
 */

export interface Interface {
  params: YamlObject[];
  results: string[];
  workspaces: YamlObject[];
}

export function interfaceOf(resource: YamlObject): Interface {
  const spec = isObject(resource.spec) ? resource.spec : {};
  return {
    params: objects(spec.params),
    results: objects(spec.results).map((r) => String(r.name)),
    workspaces: objects(spec.workspaces),
  };
}

const RESULT_REF = /\$\(tasks\.([a-z0-9-]+)\.results\.([A-Za-z0-9_.-]+)\)/g;
const STATUS_REF = /\$\(tasks\.([a-z0-9-]+)\.status\)/g;
const PARAM_REF = /\$\(params\.([A-Za-z0-9_-]+)\)/g;

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (isObject(value)) return Object.values(value).flatMap(strings);
  return [];
}

const refs = (value: unknown, pattern: RegExp) => strings(value).flatMap((s) => [...s.matchAll(pattern)]);

/** $(tasks.X.results.Y) references in a value, as [task, result] pairs. */
export function resultRefs(value: unknown): [string, string][] {
  return refs(value, RESULT_REF).map((m) => [m[1] ?? '', m[2] ?? '']);
}

type TaskLookup = (pipelineTask: YamlObject) => Interface | undefined;

function when(task: YamlObject): { input: string; operator: string; values: string[] }[] {
  return objects(task.when).map((w) => ({
    input: String(w.input),
    operator: String(w.operator),
    values: (w.values as unknown[]).map(String),
  }));
}

/**
 * Tasks of `tasks` that run whenever the PipelineRun does not fail: no when expression of their own, and
 * no result taken from a task that may be skipped (a result reference from a skipped task skips the
 * task; a runAfter on it does not).
 */
export function alwaysRunning(tasks: YamlObject[]): Set<string> {
  const byName = new Map(tasks.map((t) => [String(t.name), t]));
  const memo = new Map<string, boolean>();
  const always = (name: string, seen: Set<string>): boolean => {
    if (memo.has(name)) return memo.get(name) ?? false;
    const task = byName.get(name);
    if (!task || seen.has(name)) return false;
    const sources = new Set(resultRefs(task.params).map(([t]) => t));
    const result = when(task).length === 0 && [...sources].every((s) => always(s, new Set([...seen, name])));
    memo.set(name, result);
    return result;
  };
  return new Set([...byName.keys()].filter((n) => always(n, new Set())));
}

/** True when the finally task can only run once `task` succeeded, so its results are there. */
function guaranteed(finallyTask: YamlObject, task: string, always: Set<string>): boolean {
  return when(finallyTask).some(
    (w) =>
      (w.input === `$(tasks.${task}.status)` &&
        w.operator === 'in' &&
        w.values.every((v) => v === 'Succeeded')) ||
      (w.input === '$(tasks.status)' &&
        always.has(task) &&
        ((w.operator === 'notin' && w.values.includes('Failed') && w.values.includes('None')) ||
          (w.operator === 'in' && w.values.every((v) => v === 'Succeeded' || v === 'Completed')))),
  );
}

/** Every problem of one Pipeline, one line each, naming the pipeline task. */
export function checkPipeline(pipeline: YamlObject, taskOf: TaskLookup): string[] {
  const spec = isObject(pipeline.spec) ? pipeline.spec : {};
  const tasks = objects(spec.tasks);
  const finallyTasks = objects(spec.finally);
  const params = new Map(objects(spec.params).map((p) => [String(p.name), p]));
  const workspaces = new Map(objects(spec.workspaces).map((w) => [String(w.name), w]));
  const interfaces = new Map<string, Interface | undefined>(
    [...tasks, ...finallyTasks].map((t) => [String(t.name), taskOf(t)]),
  );
  const taskNames = new Set(tasks.map((t) => String(t.name)));
  const always = alwaysRunning(tasks);
  const problems: string[] = [];

  const checkResultRefs = (where: string, value: unknown) => {
    for (const [task, result] of resultRefs(value)) {
      if (!taskNames.has(task))
        problems.push(`${where}: $(tasks.${task}.results.${result}) names no task of spec.tasks`);
      else if (interfaces.get(task) && !interfaces.get(task)?.results.includes(result))
        problems.push(`${where}: task ${task} declares no result ${result}`);
    }
  };
  for (const m of refs([spec.tasks, spec.finally, spec.results], PARAM_REF)) {
    if (!params.has(m[1] ?? ''))
      problems.push(`$(params.${m[1]}) is used but the Pipeline declares no param ${m[1]}`);
  }
  for (const m of refs(spec.finally, STATUS_REF)) {
    if (!taskNames.has(m[1] ?? '')) problems.push(`$(tasks.${m[1]}.status) names no task of spec.tasks`);
  }
  checkResultRefs('spec.results', spec.results);

  for (const [section, list] of [
    ['tasks', tasks],
    ['finally', finallyTasks],
  ] as const) {
    for (const task of list) {
      const name = String(task.name);
      const where = `${section} ${name}`;
      const iface = interfaces.get(name);
      if (!iface) {
        problems.push(`${where}: its Task ${JSON.stringify(task.taskRef ?? task.taskSpec)} is not in tasks/`);
        continue;
      }
      checkResultRefs(where, [task.params, task.when]);
      const given = new Set(objects(task.params).map((p) => String(p.name)));
      for (const p of iface.params) {
        if (p.default === undefined && !given.has(String(p.name)))
          problems.push(`${where}: required param ${String(p.name)} is not given`);
      }
      const declared = new Set(iface.params.map((p) => String(p.name)));
      for (const p of given)
        if (!declared.has(p)) problems.push(`${where}: param ${p} is not a param of its Task`);
      const bound = new Map(objects(task.workspaces).map((w) => [String(w.name), String(w.workspace)]));
      for (const w of iface.workspaces) {
        const target = bound.get(String(w.name));
        if (w.optional !== true && target === undefined)
          problems.push(`${where}: required workspace ${String(w.name)} is not bound`);
        if (w.optional !== true && target !== undefined && workspaces.get(target)?.optional === true)
          problems.push(
            `${where}: required workspace ${String(w.name)} is bound to the optional pipeline workspace ${target}`,
          );
      }
      for (const [w, target] of bound) {
        if (!iface.workspaces.some((d) => d.name === w))
          problems.push(`${where}: workspace ${w} is not a workspace of its Task`);
        if (!workspaces.has(target)) problems.push(`${where}: pipeline workspace ${target} is not declared`);
      }
      if (section === 'finally') {
        for (const [source, result] of resultRefs([task.params, task.when])) {
          if (!guaranteed(task, source, always)) {
            problems.push(
              `${where}: reads $(tasks.${source}.results.${result}) but may run when ${source} failed or was skipped, and would then be skipped itself; guard it with when $(tasks.${source}.status) in [Succeeded]`,
            );
          }
        }
      }
    }
  }
  return problems;
}

/** A PipelineRun (or TaskRun) against what it runs: every param declared, every required one given, required workspaces bound. */
export function checkRun(run: YamlObject, target: Interface | undefined, what: string): string[] {
  if (!target) return [`${what}: runs something that is not in the library`];
  const spec = isObject(run.spec) ? run.spec : {};
  const given = new Set(objects(spec.params).map((p) => String(p.name)));
  const declared = new Set(target.params.map((p) => String(p.name)));
  const bound = new Set(objects(spec.workspaces).map((w) => String(w.name)));
  return [
    ...[...given].filter((p) => !declared.has(p)).map((p) => `${what}: param ${p} is not declared`),
    ...target.params
      .filter((p) => p.default === undefined && !given.has(String(p.name)))
      .map((p) => `${what}: required param ${String(p.name)} is not given`),
    ...target.workspaces
      .filter((w) => w.optional !== true && !bound.has(String(w.name)))
      .map((w) => `${what}: required workspace ${String(w.name)} is not bound`),
  ];
}

/**
 * An EventListener trigger: its bindings (by reference and inline) give every TriggerTemplate param without
 * a default, its inline bindings only params the template declares; the template uses only params it declares.
 */
export function checkTrigger(
  trigger: YamlObject,
  bindings: Map<string, YamlObject>,
  templates: Map<string, YamlObject>,
): string[] {
  const name = String(trigger.name);
  const problems: string[] = [];
  const given = new Set<string>();
  const inline = new Set<string>();
  for (const b of objects(trigger.bindings)) {
    if (b.ref !== undefined) {
      const binding = bindings.get(String(b.ref));
      if (!binding) problems.push(`trigger ${name}: TriggerBinding ${String(b.ref)} is not in triggers/`);
      for (const p of objects((binding?.spec as YamlObject | undefined)?.params)) given.add(String(p.name));
    } else {
      given.add(String(b.name));
      inline.add(String(b.name));
    }
  }
  const ref = String((trigger.template as YamlObject | undefined)?.ref ?? '');
  const template = templates.get(ref);
  if (!template) return [...problems, `trigger ${name}: TriggerTemplate ${ref} is not in triggers/`];
  const spec = (template.spec ?? {}) as YamlObject;
  const declared = objects(spec.params);
  for (const p of declared) {
    if (p.default === undefined && !given.has(String(p.name)))
      problems.push(`trigger ${name}: no binding gives ${ref}'s param ${String(p.name)}`);
  }
  // A shared binding (the settings) may give more than one template takes; an inline one is written for
  // this trigger, so a name the template does not know is a typo Tekton would silently ignore.
  for (const p of inline)
    if (!declared.some((d) => d.name === p))
      problems.push(`trigger ${name}: inline binding ${p} is not a param of ${ref}`);
  for (const m of refs(spec.resourcetemplates, /\$\(tt\.params\.([A-Za-z0-9_-]+)\)/g)) {
    if (!declared.some((d) => d.name === m[1]))
      problems.push(`${ref}: $(tt.params.${m[1]}) is not a declared param`);
  }
  return problems;
}
