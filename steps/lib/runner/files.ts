import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UsageError, errorMessage } from '../errors.js';
import { parseTektonYaml, type TektonDocument } from './load.js';
import type { Pipeline, Task } from './model.js';

export interface LoadedPipeline {
  pipeline: Pipeline;
  /** The Task a taskRef names: one in the pipeline's own file first, then the tasks folder. */
  findTask(name: string): Task;
}

function readDocuments(file: string): TektonDocument[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read it (${errorMessage(err)})`);
  }
  return parseTektonYaml(text, relative(process.cwd(), file) || file);
}

/** YAML files under a folder, a few levels deep (catalog layouts nest versions: task/<name>/0.1/<name>.yaml). */
function yamlFiles(dir: string, depth = 3): string[] {
  if (depth === 0 || !existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path, depth - 1);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

/**
 * Loads the Pipeline of a file and finds the Tasks its taskRefs name, the way the catalog lays them out:
 * `<tasks>/<name>/<name>.yaml`, `<tasks>/<name>.yaml`, else any YAML under the folder holding a Task of that name.
 */
export function loadPipeline(file: string, tasksDir: string): LoadedPipeline {
  const documents = readDocuments(file);
  const pipelines = documents.flatMap((d) => (d.kind === 'Pipeline' ? [d.pipeline] : []));
  if (pipelines.length !== 1)
    throw new UsageError(`${file}: must hold exactly one tekton.dev/v1 Pipeline, found ${pipelines.length}`);
  const local = new Map(
    documents.flatMap((d) => (d.kind === 'Task' ? [[d.task.name, d.task] as const] : [])),
  );
  const cache = new Map<string, Task[]>();
  const tasksIn = (path: string): Task[] => {
    if (!cache.has(path))
      cache.set(
        path,
        readDocuments(path).flatMap((d) => (d.kind === 'Task' ? [d.task] : [])),
      );
    return cache.get(path) as Task[];
  };
  return {
    pipeline: pipelines[0] as Pipeline,
    findTask(name) {
      const own = local.get(name);
      if (own) return own;
      const conventional = [
        join(tasksDir, name, `${name}.yaml`),
        join(tasksDir, `${name}.yaml`),
        join(tasksDir, `${name}.yml`),
      ];
      const candidates = [
        ...conventional.filter((p) => existsSync(p) && statSync(p).isFile()),
        ...yamlFiles(tasksDir),
      ];
      for (const path of candidates) {
        const task = tasksIn(path).find((t) => t.name === name);
        if (task) return task;
      }
      throw new UsageError(
        `taskRef ${name}: no Task named ${name} in ${file} or under ${tasksDir}/ (expected ${conventional[0]})`,
      );
    },
  };
}
