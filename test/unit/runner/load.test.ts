import { UsageError } from '../../../steps/lib/errors.js';
import { parseTektonYaml } from '../../../steps/lib/runner/load.js';
import type { Pipeline, Task } from '../../../steps/lib/runner/model.js';

function pipeline(spec: string): Pipeline {
  const doc = parseTektonYaml(
    `apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n${spec}`,
    'p.yaml',
  )[0];
  if (doc?.kind !== 'Pipeline') throw new Error('no pipeline');
  return doc.pipeline;
}

function task(spec: string): Task {
  const doc = parseTektonYaml(
    `apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n${spec}`,
    't.yaml',
  )[0];
  if (doc?.kind !== 'Task') throw new Error('no task');
  return doc.task;
}

const STEP = '  steps:\n    - image: busybox\n      script: echo hi\n';

describe('loading Tekton v1 YAML', () => {
  test('Pipelines and Tasks of a multi-document file; other kinds are left out', () => {
    const docs = parseTektonYaml(
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}',
        `apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n${STEP}`,
        'apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n    - name: a\n      taskRef: {name: t}',
      ].join('\n---\n'),
      'all.yaml',
    );
    expect(docs.map((d) => d.kind)).toEqual(['Task', 'Pipeline']);
  });

  test("defaults are Tekton's: string params (or the default's type), /workspace/<name>, unnamed-<i> steps, stopAndFail", () => {
    const t = task(
      `  params:\n    - name: a\n    - name: list\n      default: [x]\n  workspaces:\n    - name: src\n${STEP}    - image: busybox\n      command: [true]\n`,
    );
    expect(t.spec.params).toEqual([
      { name: 'a', type: 'string' },
      { name: 'list', type: 'array', default: ['x'] },
    ]);
    expect(t.spec.workspaces[0]).toEqual({
      name: 'src',
      optional: false,
      readOnly: false,
      mountPath: '/workspace/src',
    });
    expect(t.spec.steps.map((s) => [s.name, s.onError])).toEqual([
      ['unnamed-0', 'stopAndFail'],
      ['unnamed-1', 'stopAndFail'],
    ]);
  });

  test('timeouts are Go durations; retries whole numbers; param values may be YAML numbers', () => {
    const p = pipeline(
      '  tasks:\n    - name: a\n      timeout: 1m30s\n      retries: 2\n      params:\n        - {name: n, value: 3}\n      taskRef: {name: t}\n',
    );
    expect(p.tasks[0]).toMatchObject({ timeoutMs: 90_000, retries: 2, params: [{ name: 'n', value: '3' }] });
  });

  test.each([
    [
      'apiVersion: tekton.dev/v1beta1\nkind: Task\nmetadata: {name: t}\nspec: {}',
      /t\.yaml: apiVersion must be tekton.dev\/v1 .* got "tekton.dev\/v1beta1"/,
    ],
    [
      'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {}\nspec: {}',
      /t\.yaml: metadata.name must be a non-empty string/,
    ],
    [
      'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps: []',
      /spec.steps must list at least one step/,
    ],
    [
      'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps:\n    - {image: b, script: x, command: [y]}',
      /spec.steps\[0\] cannot have both script and command/,
    ],
    [
      'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps:\n    - {name: a, image: b}\n    - {name: a, image: b}',
      /spec.steps\[1\].name "a" is used by two steps/,
    ],
    [
      'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps:\n    - {image: b, timeout: soon}',
      /spec.steps\[0\].timeout "soon" is not a duration/,
    ],
    [
      'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  sidecars: [{image: x}]\n  steps: [{image: b}]',
      /sidecars are not supported/,
    ],
    [
      'apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n    - {name: a}',
      /spec.tasks\[0\] needs exactly one of taskRef and taskSpec/,
    ],
    [
      'apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n    - {name: Bad, taskRef: {name: t}}',
      /spec.tasks\[0\].name "Bad" must be a lowercase DNS label/,
    ],
    [
      'apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n    - {name: a, taskRef: {name: t}}\n  finally:\n    - {name: a, taskRef: {name: t}}',
      /spec.finally\[0\].name "a" is used by two pipeline tasks/,
    ],
    [
      'apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n    - {name: a, taskRef: {name: t}}\n  finally:\n    - {name: b, runAfter: [a], taskRef: {name: t}}',
      /spec.finally\[0\].runAfter is not allowed in finally tasks/,
    ],
    [
      'apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n    - {name: a, taskRef: {resolver: git}}',
      /taskRef must name a Task by name/,
    ],
    [
      'apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n    - {name: a, retries: 1, onError: continue, taskRef: {name: t}}',
      /cannot combine onError: continue with retries/,
    ],
    ['kind: [', /t\.yaml: not valid YAML/],
  ])('%#: one line naming the file and field', (text, message) => {
    const load = () => parseTektonYaml(text, 't.yaml');
    expect(load).toThrow(UsageError);
    expect(load).toThrow(message);
  });
});
