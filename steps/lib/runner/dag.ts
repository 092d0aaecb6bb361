import { UsageError } from '../errors.js';
import { findReferences, type Reference } from './expressions.js';
import type { Pipeline, PipelineTask } from './model.js';
import { referencesIn } from './substitute.js';

/** Every reference a pipeline task makes at the pipeline level: param values, when expressions, workspace subPaths. */
export function pipelineTaskReferences(task: PipelineTask): Reference[] {
  const texts = [
    ...task.when.flatMap((w) => [w.input, ...w.values]),
    ...task.workspaces.map((w) => w.subPath ?? ''),
  ];
  return [
    ...task.params.flatMap((p) => referencesIn(p.value)),
    ...texts.flatMap((text) => findReferences(text).map((o) => o.ref)),
  ];
}

/** The tasks whose results a pipeline task consumes (a resource dependency, in Tekton's words). */
export function resultProducers(task: PipelineTask): Set<string> {
  const out = new Set<string>();
  for (const ref of pipelineTaskReferences(task))
    if (ref.kind === 'result' && ref.section === 'tasks') out.add(ref.task);
  return out;
}

export interface Dag {
  /** Each DAG task's parents: runAfter plus result producers. */
  parents: Map<string, Set<string>>;
  /** Tasks grouped by depth: each level only depends on earlier ones. */
  levels: string[][];
}

/** The execution graph of the `tasks` section. Unknown names and cycles are errors naming the tasks involved. */
export function buildDag(pipeline: Pipeline): Dag {
  const names = new Set(pipeline.tasks.map((t) => t.name));
  const finallyNames = new Set(pipeline.finally.map((t) => t.name));
  const parents = new Map<string, Set<string>>();
  for (const task of pipeline.tasks) {
    const set = new Set<string>();
    for (const name of task.runAfter) {
      if (!names.has(name))
        throw new UsageError(
          `${pipeline.source}: task ${task.name} runs after "${name}", which is not a task of the pipeline`,
        );
      set.add(name);
    }
    for (const name of resultProducers(task)) {
      if (finallyNames.has(name))
        throw new UsageError(
          `${pipeline.source}: task ${task.name} uses results of finally task ${name}, which runs after it`,
        );
      if (!names.has(name))
        throw new UsageError(
          `${pipeline.source}: task ${task.name} uses results of "${name}", which is not a task of the pipeline`,
        );
      set.add(name);
    }
    if (set.has(task.name)) throw new UsageError(`${pipeline.source}: task ${task.name} depends on itself`);
    parents.set(task.name, set);
  }
  return { parents, levels: topologicalLevels(pipeline, parents) };
}

function topologicalLevels(pipeline: Pipeline, parents: Map<string, Set<string>>): string[][] {
  const depth = new Map<string, number>();
  const visiting: string[] = [];
  const visit = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (visiting.includes(name)) {
      const cycle = [...visiting.slice(visiting.indexOf(name)), name].join(' → ');
      throw new UsageError(`${pipeline.source}: the tasks form a cycle: ${cycle}`);
    }
    visiting.push(name);
    const d = Math.max(-1, ...[...(parents.get(name) ?? [])].map(visit)) + 1;
    visiting.pop();
    depth.set(name, d);
    return d;
  };
  const levels: string[][] = [];
  for (const task of pipeline.tasks) {
    const d = visit(task.name);
    (levels[d] ??= []).push(task.name);
  }
  return levels;
}
