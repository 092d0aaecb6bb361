import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseTektonYaml } from '../../../steps/lib/runner/load.js';
import { checkTaskSpec } from '../../../steps/lib/runner/validate.js';

// Every Task of the library must be runnable by `image-lifecycle run`: the runner reads all of its fields and every
// variable its steps use is one it provides.

const TASKS = resolve(__dirname, '../../../tasks');
const names = readdirSync(TASKS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

test('the library has Tasks to check', () => {
  expect(names.length).toBeGreaterThan(0);
});

test.each(names)('tasks/%s loads and its steps use only variables the runner provides', (name) => {
  const file = join(TASKS, name, `${name}.yaml`);
  const tasks = parseTektonYaml(readFileSync(file, 'utf8'), file).flatMap((d) =>
    d.kind === 'Task' ? [d.task] : [],
  );
  expect(tasks.map((t) => t.name)).toEqual([name]);
  for (const task of tasks) {
    expect(task.spec.steps.length).toBeGreaterThan(0);
    expect(() => checkTaskSpec(task.spec, file)).not.toThrow();
  }
});
