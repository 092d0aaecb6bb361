import { UsageError } from '../../../steps/lib/errors.js';
import { buildDag } from '../../../steps/lib/runner/dag.js';
import { parseTektonYaml } from '../../../steps/lib/runner/load.js';
import type { ParamValue, Pipeline, Task } from '../../../steps/lib/runner/model.js';
import { planRun, type WorkspaceSource } from '../../../steps/lib/runner/plan.js';

const TASKS = `
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: build}
spec:
  params:
    - name: IMAGE
  workspaces:
    - name: source
  results:
    - name: DIGEST
    - name: TAGS
      type: array
  steps:
    - image: b
      command: [build, '$(params.IMAGE)', '$(workspaces.source.path)', '$(results.DIGEST.path)']
---
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: echo}
spec:
  params:
    - name: value
      default: ""
  steps:
    - image: b
      command: [echo, '$(params.value)']
`;

function load(
  pipelineSpec: string,
  extraTasks = '',
): { pipeline: Pipeline; findTask: (name: string) => Task } {
  const docs = parseTektonYaml(
    `apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n${pipelineSpec}\n---\n${TASKS}\n${extraTasks}`,
    'p.yaml',
  );
  const tasks = new Map(docs.flatMap((d) => (d.kind === 'Task' ? [[d.task.name, d.task] as const] : [])));
  const pipeline = docs.find((d) => d.kind === 'Pipeline');
  if (pipeline?.kind !== 'Pipeline') throw new Error('no pipeline');
  return {
    pipeline: pipeline.pipeline,
    findTask: (name) => {
      const t = tasks.get(name);
      if (!t) throw new UsageError(`taskRef ${name}: not found`);
      return t;
    },
  };
}

function plan(
  pipelineSpec: string,
  options: {
    params?: Record<string, ParamValue>;
    workspaces?: Record<string, WorkspaceSource>;
    only?: string[];
  } = {},
) {
  const loaded = load(pipelineSpec);
  return planRun({
    ...loaded,
    params: new Map(Object.entries(options.params ?? {})),
    workspaces: new Map(Object.entries(options.workspaces ?? {})),
    only: options.only,
  });
}

const SRC: Record<string, WorkspaceSource> = { src: { kind: 'temp' } };

const PIPELINE = `
  params:
    - name: image
  workspaces:
    - name: src
  tasks:
    - name: deploy
      taskRef: {name: echo}
      params:
        - {name: value, value: $(tasks.build.results.DIGEST)}
    - name: build
      taskRef: {name: build}
      params:
        - {name: IMAGE, value: $(params.image)}
      workspaces:
        - {name: source, workspace: src}
    - name: lint
      taskRef: {name: echo}
    - name: report
      runAfter: [lint]
      when:
        - {input: '$(tasks.build.results.TAGS[0])', operator: in, values: [latest]}
      taskRef: {name: echo}
  finally:
    - name: notify
      taskRef: {name: echo}
      params:
        - {name: value, value: '$(tasks.status) $(tasks.deploy.status)'}
  results:
    - {name: digest, value: $(tasks.build.results.DIGEST)}
`;

describe('the execution graph', () => {
  test('result references order tasks like runAfter does, in params and in when expressions', () => {
    const { dag } = plan(PIPELINE, { params: { image: 'i' }, workspaces: SRC });
    expect(dag.levels).toEqual([
      ['build', 'lint'],
      ['deploy', 'report'],
    ]);
    expect([...(dag.parents.get('report') ?? [])].sort()).toEqual(['build', 'lint']);
  });

  test('a cycle is named task by task', () => {
    const { pipeline } = load(`
  tasks:
    - {name: a, runAfter: [c], taskRef: {name: echo}}
    - {name: b, runAfter: [a], taskRef: {name: echo}}
    - {name: c, runAfter: [b], taskRef: {name: echo}}`);
    expect(() => buildDag(pipeline)).toThrow('p.yaml: the tasks form a cycle: a → c → b → a');
  });

  test('runAfter a task that does not exist is an error', () => {
    expect(() => plan(`  tasks:\n    - {name: a, runAfter: [ghost], taskRef: {name: echo}}`)).toThrow(
      'task a runs after "ghost", which is not a task of the pipeline',
    );
  });
});

describe('checks before anything runs (exit code 2)', () => {
  test.each([
    [
      'a required pipeline param',
      PIPELINE,
      {},
      /pipeline p: param image is required and has no default \(give --param NAME=VALUE\)/,
    ],
    [
      'a param the pipeline does not declare',
      `  tasks:\n    - {name: a, taskRef: {name: echo}, params: [{name: value, value: '$(params.nope)'}]}`,
      {},
      /task a: \$\(params.nope\) names no param of the pipeline/,
    ],
    [
      'a result the producing Task does not declare',
      `  tasks:\n    - {name: a, taskRef: {name: echo}}\n    - {name: b, taskRef: {name: echo}, params: [{name: value, value: '$(tasks.a.results.X)'}]}`,
      {},
      /task b: \$\(tasks.a.results.X\) names no result of task a/,
    ],
    [
      '$(tasks.status) outside finally',
      `  tasks:\n    - {name: a, taskRef: {name: echo}, params: [{name: value, value: '$(tasks.status)'}]}`,
      {},
      /\$\(tasks.status\) is only available in finally tasks/,
    ],
    [
      'a required Task param the pipeline task does not pass',
      `  workspaces: [{name: src}]\n  tasks:\n    - {name: a, taskRef: {name: build}, workspaces: [{name: source, workspace: src}]}`,
      {},
      /task a: Task build needs param IMAGE, which the pipeline task does not pass/,
    ],
    [
      'a required Task workspace left unbound',
      `  tasks:\n    - {name: a, taskRef: {name: build}, params: [{name: IMAGE, value: x}]}`,
      {},
      /Task build needs workspace source, which the pipeline task does not bind/,
    ],
    [
      '[*] on a string param',
      `  params: [{name: s}]\n  tasks:\n    - {name: a, taskRef: {name: echo}, params: [{name: value, value: "$(params.s[*])"}]}`,
      { s: 'x' },
      /\$\(params.s\[\*\]\) uses \[\*\] on a string/,
    ],
    [
      'a step referring to a param its Task lacks',
      `  tasks:\n    - name: a\n      taskSpec:\n        steps: [{image: b, command: [echo, '$(params.ghost)']}]`,
      {},
      /\(taskSpec\): \$\(params.ghost\) names no param of the task/,
    ],
    [
      'a step using a pipeline variable inside a Task',
      `  tasks:\n    - name: a\n      taskSpec:\n        steps: [{image: b, command: [echo, '$(tasks.x.results.y)']}]`,
      {},
      /is only available in a Pipeline, not in a Task's steps/,
    ],
  ])('%s', (_what, spec, params, message) => {
    const workspaces = spec.includes('name: src') ? SRC : {};
    expect(() => plan(spec, { params, workspaces })).toThrow(UsageError);
    expect(() => plan(spec, { params, workspaces })).toThrow(message);
  });

  test('an embedded taskSpec sees pipeline params without declaring them (propagated params)', () => {
    const p = plan(
      `  params: [{name: greeting, default: hi}]\n  tasks:\n    - name: a\n      taskSpec:\n        steps: [{image: b, command: [echo, '$(params.greeting)']}]`,
    );
    expect(p.tasks.map((t) => t.task.name)).toEqual(['a']);
  });

  test('a required pipeline workspace must be bound with --workspace', () => {
    expect(() => plan(PIPELINE, { params: { image: 'i' }, workspaces: {} })).toThrow(
      'workspace src is required by task build: give --workspace src=DIR (or =emptyDir, =temp)',
    );
    expect(() =>
      plan(PIPELINE, {
        params: { image: 'i' },
        workspaces: { src: { kind: 'temp' }, other: { kind: 'temp' } },
      }),
    ).toThrow('--workspace other: the pipeline has no such workspace (workspaces: src)');
  });
});

describe('--only', () => {
  test('keeps the selected tasks and drops runAfter edges to the others', () => {
    const p = plan(PIPELINE, { params: { image: 'i' }, workspaces: SRC, only: ['lint', 'notify'] });
    expect(p.tasks.map((t) => t.task.name)).toEqual(['lint']);
    expect(p.finally.map((t) => t.task.name)).toEqual(['notify']);
  });

  test('a selected task needing results of one left out is an error saying which to add', () => {
    expect(() => plan(PIPELINE, { params: { image: 'i' }, workspaces: SRC, only: ['deploy'] })).toThrow(
      '--only: task deploy uses $(tasks.build.results.DIGEST), but build is not selected; add it to --only',
    );
    expect(() => plan(PIPELINE, { params: { image: 'i' }, workspaces: SRC, only: ['ghost'] })).toThrow(
      '--only: p.yaml has no task "ghost"',
    );
  });
});
