import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PipelineRunEngine, type RunRecord, type Timeouts } from '../../../steps/lib/runner/engine.js';
import { loadPipeline } from '../../../steps/lib/runner/files.js';
import { HostExecutor } from '../../../steps/lib/runner/host-executor.js';
import type { ParamValue } from '../../../steps/lib/runner/model.js';
import { planRun, type WorkspaceSource } from '../../../steps/lib/runner/plan.js';
import type { TaskOutcome } from '../../../steps/lib/runner/status.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dirs.js';

// The engine on the fixture pipelines of test/fixtures/runner, in host mode: real processes, real files. Each
// fixture passes Tekton's own validation (test/tekton), so these runs compare the runner with Tekton's documented
// semantics on valid Tekton YAML.

const FIXTURES = resolve(__dirname, '../../fixtures/runner');

interface Run {
  record: RunRecord;
  lines: string[];
  started: string[];
  workspace: string;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeTempDir));

async function run(
  fixture: string,
  options: {
    params?: Record<string, ParamValue>;
    workspaces?: Record<string, WorkspaceSource>;
    parallel?: number;
    timeouts?: Timeouts;
    name?: string;
  } = {},
): Promise<Run> {
  const workspace = makeTempDir('runner-ws');
  const workDir = makeTempDir('runner-work');
  dirs.push(workspace, workDir);
  const loaded = loadPipeline(join(FIXTURES, fixture), join(FIXTURES, 'no-tasks-dir'));
  const shared = loaded.pipeline.workspaces.map((w) => [w.name, { kind: 'dir', path: workspace }] as const);
  const plan = planRun({
    pipeline: loaded.pipeline,
    findTask: loaded.findTask,
    params: new Map(Object.entries(options.params ?? {})),
    workspaces: new Map([
      ...shared.filter(([name]) => name !== 'extra'),
      ...Object.entries(options.workspaces ?? {}),
    ]),
  });
  const lines: string[] = [];
  const started: string[] = [];
  const engine = new PipelineRunEngine(plan, {
    identity: { pipelineRunName: options.name ?? 'run-1', pipelineRunUid: 'uid-1', namespace: 'team' },
    executor: new HostExecutor({ pathPrefix: [], env: process.env }),
    workDir,
    parallel: options.parallel ?? 4,
    timeouts: options.timeouts ?? {},
    sources: { secrets: new Map(), configMaps: new Map() },
    observer: {
      taskStarted: (task, _run, attempt) => started.push(`${task}#${attempt}`),
      taskFinished: () => undefined,
      line: (task, step, text) => lines.push(`[${task} : ${step}] ${text}`),
    },
  });
  return { record: await engine.run(), lines, started, workspace };
}

function task(record: RunRecord, name: string): TaskOutcome {
  const found = record.tasks.find((t) => t.name === name);
  if (!found) throw new Error(`no task ${name}`);
  return found;
}

const summary = (record: RunRecord, name: string) => {
  const t = task(record, name);
  return [t.status, t.reason];
};

describe('params, results, when and finally (semantics.yaml)', () => {
  let r: Run;
  beforeAll(async () => {
    r = await run('semantics.yaml', {
      params: { flags: ['-x', 'two words'], target: { host: 'example.test' } },
      name: 'sem',
    });
  }, 60_000);

  test('an array param expands into separate arguments; object keys and context variables resolve', () => {
    expect(task(r.record, 'echo-args').results.argv).toBe(
      '6|first|-x|two words|last|example.test:80|sem/semantics|template|step|',
    );
  });

  test('string, array element, whole array and object key results reach the consumer, which ran after its producer', () => {
    expect(task(r.record, 'consume').results.seen).toBe('hello y z x y z v');
    expect(r.started.indexOf('consume#0')).toBeGreaterThan(r.started.indexOf('produce#0'));
    expect(readFileSync(join(r.workspace, 'note.txt'), 'utf8')).toBe(`wrote to ${r.workspace}\n`);
  });

  test('a false when skips only its task: the runAfter dependent runs, result consumers and their dependents are skipped', () => {
    expect(summary(r.record, 'skipped')).toEqual(['Skipped', 'When Expressions evaluated to false']);
    expect(summary(r.record, 'after-skipped')).toEqual(['Succeeded', 'Succeeded']);
    expect(summary(r.record, 'needs-skipped-result')).toEqual(['Skipped', 'Results were missing']);
    expect(summary(r.record, 'grandchild')).toEqual(['Skipped', 'Parent Tasks were skipped']);
    expect(summary(r.record, 'guarded')).toEqual(['Succeeded', 'Succeeded']);
  });

  test('finally sees $(tasks.status) Completed and each task status; an embedded spec sees pipeline params', () => {
    expect(task(r.record, 'report').results.statuses).toBe('Completed Succeeded None hello');
    expect(r.record).toMatchObject({ status: 'Completed', reason: 'Completed' });
  });

  test('pipeline results: strings, composed strings and arrays; one from a skipped task is not emitted', () => {
    expect(r.record.results).toEqual({
      word: 'hello',
      combined: 'hello+hello y z x y z v',
      list: ['x', 'y z'],
    });
    expect(r.record.omittedResults.map((o) => o.name)).toEqual(['never']);
  });
});

describe('a failing task (failure.yaml)', () => {
  let r: Run;
  beforeAll(async () => {
    r = await run('failure.yaml');
  }, 60_000);

  test('the pipeline fails; its dependents and not-started tasks are skipped; a running task finishes', () => {
    expect(r.record).toMatchObject({ status: 'Failed', reason: 'Failed' });
    expect(task(r.record, 'gate')).toMatchObject({
      status: 'Failed',
      reason: 'Failed',
      message: '"step-decide" exited with code 3',
    });
    expect(summary(r.record, 'deploy')).toEqual(['Skipped', 'PipelineRun was stopping']);
    expect(summary(r.record, 'slow')).toEqual(['Succeeded', 'Succeeded']);
    expect(summary(r.record, 'after-slow')).toEqual(['Skipped', 'PipelineRun was stopping']);
    expect(r.lines).toContain('[gate : decide] gate says no');
  });

  test('finally runs: $(tasks.status) Failed, the failed task Failed, the skipped one None; rollback guarded by status runs', () => {
    expect(task(r.record, 'notify').results.seen).toBe('Failed Failed None');
    expect(summary(r.record, 'rollback')).toEqual(['Succeeded', 'Succeeded']);
    expect(summary(r.record, 'uses-partial')).toEqual(['Skipped', 'Results were missing']);
  });

  test('a pipeline result from the failed task is not emitted; one from a task that succeeded is', () => {
    expect(r.record.results).toEqual({ slow: 'finished' });
    expect(r.record.omittedResults.map((o) => o.name)).toEqual(['partial']);
  });
});

describe('retries, onError and shell features (resilience.yaml)', () => {
  let r: Run;
  beforeAll(async () => {
    r = await run('resilience.yaml');
  }, 60_000);

  test('a task retried after a failure succeeds on its second attempt, which sees retry-count 1', () => {
    expect(task(r.record, 'flaky')).toMatchObject({
      status: 'Succeeded',
      attempts: 2,
      results: { attempt: '1' },
    });
    expect(r.started.filter((s) => s.startsWith('flaky#'))).toEqual(['flaky#0', 'flaky#1']);
  });

  test('a step with onError: continue fails without failing the task; the next step reads its exit code', () => {
    expect(task(r.record, 'continue-step')).toMatchObject({ status: 'Succeeded', results: { code: '7' } });
  });

  test('a pipeline task with onError: continue fails as FailureIgnored; its result still reaches its consumer', () => {
    expect(task(r.record, 'ignored')).toMatchObject({
      status: 'Failed',
      reason: 'FailureIgnored',
      results: { early: 'kept' },
    });
    expect(task(r.record, 'uses-ignored').results.got).toBe('kept');
    expect(r.record).toMatchObject({ status: 'Succeeded', reason: 'Succeeded' });
  });

  test('a bash shebang script, workingDir created under a workspace, an emptyDir shared by steps, an unbound optional workspace', () => {
    expect(task(r.record, 'shell-features').results).toEqual({
      bash: 'arrays work',
      pwd: `${join(r.workspace, 'sub')}\n`,
      cached: 'cached\n',
      extra: 'false:',
    });
  });
});

describe('limits (limits.yaml)', () => {
  let r: Run;
  beforeAll(async () => {
    r = await run('limits.yaml');
  }, 60_000);

  test('results over the termination message fail the task with Tekton message; a result just under passes', () => {
    expect(task(r.record, 'too-big')).toMatchObject({
      status: 'Failed',
      reason: 'TaskRunResultLargerThanAllowedLimit',
      message: 'Termination message is above max allowed size 4096, caused by large task result.',
    });
    expect(task(r.record, 'just-fits').results.blob).toHaveLength(3900);
  });

  test('a task timeout kills the step; the retry gets its own timeout; both attempts time out', () => {
    expect(task(r.record, 'slow')).toMatchObject({ status: 'Failed', reason: 'TaskRunTimeout', attempts: 2 });
    expect(task(r.record, 'report').results.statuses).toBe('Failed Succeeded Failed');
  });
});

describe('scheduling (scheduling.yaml)', () => {
  test('independent tasks run at the same time', async () => {
    const { record } = await run('scheduling.yaml', { params: { mode: 'rendezvous' } });
    expect(record.status).toBe('Succeeded');
  }, 60_000);

  test('--parallel 1 runs them one at a time', async () => {
    const { record } = await run('scheduling.yaml', { params: { mode: 'exclusive' }, parallel: 1 });
    expect(record.tasks.map((t) => t.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
  }, 60_000);

  test('the pipeline timeout stops running tasks and skips finally', async () => {
    const { record } = await run('scheduling.yaml', {
      params: { mode: 'exclusive', sleep: '30' },
      parallel: 1,
      timeouts: { pipelineMs: 500 },
    });
    expect(record).toMatchObject({ status: 'Failed', reason: 'PipelineRunTimeout' });
    expect(summary(record, 'one')[1]).toBe('TaskRunTimeout');
    expect(summary(record, 'two')).toEqual(['Skipped', 'PipelineRun timeout has been reached']);
    expect(summary(record, 'cleanup')).toEqual(['Skipped', 'PipelineRun timeout has been reached']);
  }, 60_000);

  test('the tasks timeout stops the tasks section; finally still runs', async () => {
    const { record } = await run('scheduling.yaml', {
      params: { mode: 'exclusive', sleep: '30' },
      parallel: 1,
      timeouts: { tasksMs: 500 },
    });
    expect(record).toMatchObject({ status: 'Failed', reason: 'Failed' });
    expect(summary(record, 'two')).toEqual(['Skipped', 'PipelineRun Tasks timeout has been reached']);
    expect(summary(record, 'cleanup')).toEqual(['Succeeded', 'Succeeded']);
  }, 60_000);
});
