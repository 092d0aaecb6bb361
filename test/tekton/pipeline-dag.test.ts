import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { alwaysRunning, checkPipeline, checkTrigger, interfaceOf, type Interface } from './dag.js';
import { isObject, loadDocuments, type YamlObject } from './yaml-docs.js';

const root = path.resolve(__dirname, '..', '..');

const tasks = new Map<string, YamlObject>(
  readdirSync(path.join(root, 'tasks'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(root, 'tasks', e.name, `${e.name}.yaml`)))
    .flatMap((e) => loadDocuments(path.join(root, 'tasks', e.name, `${e.name}.yaml`)).map((d) => d.value))
    .filter((v): v is YamlObject => isObject(v) && v.kind === 'Task')
    .map((t) => [String((t.metadata as YamlObject).name), t]),
);
const pipelineFiles = readdirSync(path.join(root, 'pipelines')).filter(
  (f) => f.endsWith('.yaml') && !f.startsWith('kustomization'),
);

/** A pipeline task's Task: by name from tasks/ (the library refers to no other kind). */
function taskOf(pipelineTask: YamlObject): Interface | undefined {
  const ref = pipelineTask.taskRef as YamlObject | undefined;
  if (!ref || ref.resolver !== undefined || (ref.kind !== undefined && ref.kind !== 'Task')) return undefined;
  const task = tasks.get(String(ref.name));
  return task ? interfaceOf(task) : undefined;
}

describe("every Pipeline's DAG resolves against the Tasks it runs", () => {
  test.each(pipelineFiles)('%s', (file) => {
    const [pipeline] = loadDocuments(path.join(root, 'pipelines', file)).map((d) => d.value as YamlObject);
    expect(checkPipeline(pipeline as YamlObject, taskOf)).toEqual([]);
  });
});

/**
 * git-clone-lite stands in for the catalog's git-clone (task/git-clone/0.9 in github.com/tektoncd/catalog):
 * every param, result and workspace it has, the catalog's has too, so a pipeline can swap one for the other.
 */
const CATALOG_GIT_CLONE = {
  params: [
    'url',
    'revision',
    'refspec',
    'submodules',
    'depth',
    'sslVerify',
    'crtFileName',
    'subdirectory',
    'sparseCheckoutDirectories',
    'deleteExisting',
    'httpProxy',
    'httpsProxy',
    'noProxy',
    'verbose',
    'gitInitImage',
    'userHome',
  ],
  results: ['commit', 'url', 'committer-date'],
  workspaces: ['output', 'ssh-directory', 'basic-auth', 'ssl-ca-directory'],
};

test("git-clone-lite keeps the catalog git-clone's interface, so either runs the library's pipelines", () => {
  const lite = interfaceOf(tasks.get('git-clone-lite') as YamlObject);
  expect(lite.params.map((p) => String(p.name)).filter((p) => !CATALOG_GIT_CLONE.params.includes(p))).toEqual(
    ['gitCloneImage'],
  );
  expect(lite.results).toEqual(CATALOG_GIT_CLONE.results);
  expect(
    lite.workspaces.map((w) => String(w.name)).filter((w) => !CATALOG_GIT_CLONE.workspaces.includes(w)),
  ).toEqual([]);
});

// The checks themselves, on small pipelines.
describe('checkPipeline', () => {
  const task = (results: string[], params: YamlObject[] = []): Interface => ({
    params,
    results,
    workspaces: [],
  });
  const lookup = (ifaces: Record<string, Interface>) => (t: YamlObject) =>
    ifaces[String((t.taskRef as YamlObject).name)];
  const pipeline = (spec: YamlObject): YamlObject => ({ kind: 'Pipeline', metadata: { name: 'p' }, spec });

  test('a result the task does not declare, and a required param not given, are named', () => {
    const p = pipeline({
      tasks: [
        { name: 'a', taskRef: { name: 'build' } },
        {
          name: 'b',
          taskRef: { name: 'deploy' },
          params: [{ name: 'IMAGE', value: '$(tasks.a.results.IMAGE_URI)' }],
        },
      ],
    });
    expect(
      checkPipeline(
        p,
        lookup({ build: task(['IMAGE_URL']), deploy: task([], [{ name: 'IMAGE' }, { name: 'NS' }]) }),
      ),
    ).toEqual(['tasks b: task a declares no result IMAGE_URI', 'tasks b: required param NS is not given']);
  });

  test('a finally task reading a result of a task that may be skipped or fail is named; guarded, it passes', () => {
    const spec = (guard: YamlObject[]) => ({
      params: [{ name: 'DEPLOY' }],
      tasks: [
        { name: 'build', taskRef: { name: 'build' } },
        {
          name: 'canary',
          taskRef: { name: 'canary' },
          when: [{ input: '$(params.DEPLOY)', operator: 'in', values: ['true'] }],
        },
      ],
      finally: [
        {
          name: 'notify',
          taskRef: { name: 'notify' },
          when: guard,
          params: [
            { name: 'D', value: '$(tasks.build.results.DIGEST)' },
            { name: 'C', value: '$(tasks.canary.results.RESULT)' },
          ],
        },
      ],
    });
    const ifaces = lookup({
      build: task(['DIGEST']),
      canary: task(['RESULT']),
      notify: task([], [{ name: 'D' }, { name: 'C' }]),
    });
    expect(checkPipeline(pipeline(spec([])), ifaces)).toEqual([
      expect.stringContaining(
        'finally notify: reads $(tasks.build.results.DIGEST) but may run when build failed',
      ),
      expect.stringContaining(
        'finally notify: reads $(tasks.canary.results.RESULT) but may run when canary failed',
      ),
    ]);
    // "not failed" is enough for build (it always runs), not for canary (it may be skipped).
    expect(
      checkPipeline(
        pipeline(spec([{ input: '$(tasks.status)', operator: 'notin', values: ['Failed', 'None'] }])),
        ifaces,
      ),
    ).toEqual([expect.stringContaining('reads $(tasks.canary.results.RESULT)')]);
    expect(
      checkPipeline(
        pipeline(
          spec([
            { input: '$(tasks.status)', operator: 'notin', values: ['Failed', 'None'] },
            { input: '$(tasks.canary.status)', operator: 'in', values: ['Succeeded'] },
          ]),
        ),
        ifaces,
      ),
    ).toEqual([]);
  });

  test('a task fed by a task that may be skipped may be skipped too; runAfter alone does not pass the skip on', () => {
    const always = alwaysRunning([
      { name: 'a' },
      { name: 'b', when: [{ input: 'x', operator: 'in', values: ['y'] }] },
      { name: 'c', params: [{ name: 'P', value: '$(tasks.b.results.R)' }] },
      { name: 'd', runAfter: ['b'] },
    ]);
    expect([...always].sort()).toEqual(['a', 'd']);
  });
});

describe('checkTrigger', () => {
  const template = {
    spec: {
      params: [{ name: 'GIT_URL' }, { name: 'DEPLOY', default: 'true' }],
      resourcetemplates: [
        {
          kind: 'PipelineRun',
          spec: { params: [{ name: 'X', value: '$(tt.params.GIT_URL) $(tt.params.GIT_UR)' }] },
        },
      ],
    },
  };
  const bindings = new Map([
    [
      'push',
      {
        spec: {
          params: [
            { name: 'GIT_URL', value: '$(body.url)' },
            { name: 'EXTRA', value: 'x' },
          ],
        },
      },
    ],
  ]);

  test('a template param no binding gives, an inline binding the template does not take, and an undeclared $(tt.params) are named', () => {
    const trigger = { name: 't', bindings: [{ name: 'DEPLOYY', value: 'false' }], template: { ref: 'tt' } };
    expect(checkTrigger(trigger, bindings, new Map([['tt', template]]))).toEqual([
      "trigger t: no binding gives tt's param GIT_URL",
      'trigger t: inline binding DEPLOYY is not a param of tt',
      'tt: $(tt.params.GIT_UR) is not a declared param',
    ]);
  });

  test('a shared binding may give params the template does not take', () => {
    const trigger = {
      name: 't',
      bindings: [{ ref: 'push' }, { name: 'DEPLOY', value: 'false' }],
      template: { ref: 'tt' },
    };
    const fixed = { spec: { ...template.spec, resourcetemplates: [] } };
    expect(checkTrigger(trigger, bindings, new Map([['tt', fixed]]))).toEqual([]);
  });
});
