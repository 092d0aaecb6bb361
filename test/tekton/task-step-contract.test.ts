import path from 'node:path';
import type { FlagSpecs } from '../../steps/lib/tekton/args.js';
import type { StepDefinition } from '../../steps/lib/tekton/step.js';
import { steps as registry } from '../../steps/registry.js';
import { checkCatalogConventions, checkTask, invokedSteps, type StepLookup } from './contract.js';
import { isObject, loadDocuments, yamlFiles, type YamlObject } from './yaml-docs.js';

const root = path.resolve(__dirname, '..', '..');

/** The Task documents of a file, with the steps they run loaded from the registry. */
async function tasksOf(file: string): Promise<{ tasks: YamlObject[]; steps: StepLookup }> {
  const tasks = loadDocuments(file)
    .map((d) => d.value)
    .filter((v): v is YamlObject => isObject(v) && v.kind === 'Task');
  const steps = new Map<string, StepDefinition<FlagSpecs>>();
  for (const name of new Set(tasks.flatMap(invokedSteps))) {
    const load = registry[name];
    if (load) steps.set(name, await load());
  }
  return { tasks, steps };
}

// tasks/<name>/<name>.yaml; deeper files (samples) are not Tasks of the library.
const taskFiles = yamlFiles([path.join(root, 'tasks')]).filter(
  (f) => path.relative(root, f).split(path.sep).length === 3,
);

describe('every Task matches the steps it runs', () => {
  test('the library has tasks', () => {
    expect(taskFiles.length).toBeGreaterThan(0);
  });

  test.each(taskFiles.map((f) => path.relative(root, f)))('%s', async (relative) => {
    const { tasks, steps } = await tasksOf(path.join(root, relative));
    expect(tasks).toHaveLength(1);
    const [task] = tasks as [YamlObject];
    expect([...checkCatalogConventions(relative, task), ...checkTask(task, steps)]).toEqual([]);
  });

  test('a Task passing a flag its step does not accept is rejected, naming the step and the flag', async () => {
    const { tasks, steps } = await tasksOf(
      path.join(root, 'test', 'fixtures', 'tekton', 'broken', 'unknown-flag.yaml'),
    );
    const problems = tasks.flatMap((t) => checkTask(t, steps));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^step inspect: unknown flag --no-such-flag; inspect accepts --image, /);
  });
});
