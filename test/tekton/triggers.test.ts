import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { runCommand } from '../helpers/command.js';
import { goTool } from '../helpers/go-tool.js';
import { makeTempDir } from '../helpers/temp-dirs.js';
import { checkRun, checkTrigger, interfaceOf, type Interface } from './dag.js';
import { isObject, loadDocuments, objects, yamlFiles, type YamlObject } from './yaml-docs.js';

const root = path.resolve(__dirname, '..', '..');
const SECRET = 'webhook-secret-for-tests';
const fixture = (name: string) => readFileSync(path.join(root, 'test', 'fixtures', 'webhooks', name), 'utf8');

const docs = (dir: string) =>
  yamlFiles([path.join(root, dir)])
    .flatMap((f) => loadDocuments(f).map((d) => d.value))
    .filter(isObject);
const triggerDocs = docs('triggers');
const byKind = (kind: string) =>
  new Map(
    triggerDocs.filter((d) => d.kind === kind).map((d) => [String((d.metadata as YamlObject).name), d]),
  );
const pipelines = new Map(
  docs('pipelines')
    .filter((d) => d.kind === 'Pipeline')
    .map((d) => [String((d.metadata as YamlObject).name), interfaceOf(d)]),
);
const tasks = new Map(
  docs('tasks')
    .filter((d) => d.kind === 'Task')
    .map((d) => [String((d.metadata as YamlObject).name), interfaceOf(d)]),
);

/** What a PipelineRun or TaskRun runs, from the library. */
function targetOf(run: YamlObject): Interface | undefined {
  const spec = (run.spec ?? {}) as YamlObject;
  if (run.kind === 'PipelineRun')
    return pipelines.get(String((spec.pipelineRef as YamlObject | undefined)?.name));
  return tasks.get(String((spec.taskRef as YamlObject | undefined)?.name));
}

describe('triggers, statically', () => {
  const listeners = [...byKind('EventListener').values()];

  test('there is an EventListener for GitHub and one for GitLab, each validating the webhook secret', () => {
    const interceptorOf = (el: YamlObject) =>
      objects((el.spec as YamlObject).triggers).map((t) => {
        const first = objects(t.interceptors)[0] ?? {};
        const secretRef = objects(first.params).find((p) => p.name === 'secretRef')?.value;
        return `${String((first.ref as YamlObject).name)}:${JSON.stringify(secretRef)}`;
      });
    const secret = JSON.stringify({ secretName: 'image-lifecycle-webhook', secretKey: 'secret' });
    expect(
      Object.fromEntries(
        listeners.map((el) => [String((el.metadata as YamlObject).name), [...new Set(interceptorOf(el))]]),
      ),
    ).toEqual({
      'image-lifecycle-github': [`github:${secret}`],
      'image-lifecycle-gitlab': [`gitlab:${secret}`],
    });
  });

  test("every trigger's bindings give every param its TriggerTemplate needs, and the template's runs fit their pipelines", () => {
    const bindings = byKind('TriggerBinding');
    const templates = byKind('TriggerTemplate');
    const problems = listeners.flatMap((el) =>
      objects((el.spec as YamlObject).triggers).flatMap((t) => checkTrigger(t, bindings, templates)),
    );
    for (const [name, template] of templates) {
      for (const run of objects((template.spec as YamlObject).resourcetemplates)) {
        problems.push(...checkRun(run, targetOf(run), `TriggerTemplate ${name}`));
        const meta = run.metadata as YamlObject;
        if (!meta.generateName) problems.push(`TriggerTemplate ${name}: the run has no generateName`);
        const spec = run.spec as YamlObject;
        if (!(spec.timeouts as YamlObject | undefined)?.pipeline)
          problems.push(`TriggerTemplate ${name}: the run has no timeout`);
        if (!objects(spec.workspaces).some((w) => isObject(w.volumeClaimTemplate)))
          problems.push(`TriggerTemplate ${name}: no volumeClaimTemplate workspace`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('every run a CronJob starts (from the ConfigMap it mounts) fits what it runs', () => {
    const configMaps = byKind('ConfigMap');
    const started = [...byKind('CronJob').values()].flatMap((cron) => {
      const pod = (((cron.spec as YamlObject).jobTemplate as YamlObject).spec as YamlObject)
        .template as YamlObject;
      return objects((pod.spec as YamlObject).volumes).flatMap((v) => {
        const cm = configMaps.get(String((v.configMap as YamlObject | undefined)?.name));
        return Object.values((cm?.data ?? {}) as Record<string, string>).map((text) => ({
          cron: String((cron.metadata as YamlObject).name),
          run: load(text) as YamlObject,
        }));
      });
    });
    expect(started.map((s) => `${s.cron}: ${s.run.kind}`).sort()).toEqual([
      'base-image-check: TaskRun',
      'registry-maintenance: PipelineRun',
    ]);
    expect(started.flatMap(({ cron, run }) => checkRun(run, targetOf(run), `CronJob ${cron}`))).toEqual([]);
  });
});

/**
 * Real webhook payloads through Tekton Triggers' own code (test/tekton/trigger-sim: the github, gitlab and
 * cel interceptors, the bindings and the TriggerTemplate), then the PipelineRun that would be created
 * through the checks above and Tekton's validation.
 */
describe('webhook events through the EventListeners (Tekton Triggers code)', () => {
  let sim: string;
  const work = makeTempDir('trigger-sim');
  const triggerFiles = yamlFiles([path.join(root, 'triggers')]).filter(
    (f) => !f.includes(`${path.sep}cron${path.sep}`),
  );

  beforeAll(async () => {
    sim = await goTool(path.join(root, 'test', 'tekton', 'trigger-sim'));
  }, 15 * 60_000);

  interface Outcome {
    listener: string;
    trigger: string;
    fired: boolean;
    stoppedBy?: string;
    reason?: string;
    resources?: YamlObject[];
  }

  async function deliver(
    name: string,
    headers: Record<string, string>,
    body: string,
    secret = SECRET,
  ): Promise<Outcome[]> {
    const file = path.join(work, `${name}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
        body,
      }),
    );
    const { stdout } = await runCommand(sim, [
      '-event',
      file,
      '-secret',
      `image-lifecycle-webhook/secret=${secret}`,
      ...triggerFiles,
    ]);
    return JSON.parse(stdout) as Outcome[];
  }
  const github = (event: string, body: string, secret = SECRET) => ({
    'X-GitHub-Event': event,
    'X-Hub-Signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    'Content-Type': 'application/json',
  });
  const gitlab = (event: string, token = SECRET) => ({
    'X-Gitlab-Event': event,
    'X-Gitlab-Token': token,
    'Content-Type': 'application/json',
  });
  const fired = (outcomes: Outcome[]) => outcomes.filter((o) => o.fired);
  const params = (run: YamlObject) =>
    Object.fromEntries(objects((run.spec as YamlObject).params).map((p) => [String(p.name), p.value]));

  /** Tekton's own validation of the PipelineRun the trigger would create. */
  async function validate(run: YamlObject, name: string): Promise<string> {
    const file = path.join(work, `${name}-run.yaml`);
    // Kubernetes fills the name in from generateName; the validator, like the API server, wants one.
    writeFileSync(
      file,
      JSON.stringify({ ...run, metadata: { ...(run.metadata as YamlObject), name: 'generated-00000' } }),
    );
    const result = await runCommand(
      process.execPath,
      [path.join(root, 'test', 'tekton', 'run-harness.mjs'), '--only', 'validate', file],
      { timeoutMs: 20 * 60_000 },
    ).catch((err: Error) => ({ stdout: err.message, stderr: '' }));
    return result.stdout;
  }

  test.each([
    [
      'GitHub push to the default branch',
      'github-push-main.json',
      'push',
      'github-push-default-branch',
      'build-and-deploy',
      {
        DEPLOY: 'true',
        GIT_REF: 'refs/heads/main',
        GIT_REVISION: '2b7e1a9c4d5f60718293a4b5c6d7e8f901234567',
        APP_NAME: 'shop-api',
        DEPLOYMENT: 'shop-api',
      },
    ],
    [
      'GitHub push of a version tag',
      'github-push-tag.json',
      'push',
      'github-version-tag',
      'release',
      {
        GIT_REF: 'refs/tags/v1.4.0',
        BUILD: 'true',
        PROMOTE_TO_PROD: 'false',
        IMAGE_REPOSITORY: 'image-registry.openshift-image-registry.svc:5000/image-lifecycle/shop-api',
      },
    ],
    [
      'GitHub pull request opened',
      'github-pull-request-opened.json',
      'pull_request',
      'github-pull-request',
      'build-and-deploy',
      {
        DEPLOY: 'false',
        GIT_REF: 'refs/pull/42/head',
        GIT_REVISION: '6f1c5e3a8192a3b4c5d6e7f8a9b0c1d234567890',
        ACTOR: 'bob',
      },
    ],
  ])(
    '%s starts exactly one run, of the right pipeline',
    async (_what, file, event, trigger, pipeline, expected) => {
      const body = fixture(file);
      const outcomes = fired(await deliver(file, github(event, body), body));
      expect(outcomes.map((o) => o.trigger)).toEqual([trigger]);
      const [run] = outcomes[0]?.resources ?? [];
      expect(run).toMatchObject({
        kind: 'PipelineRun',
        spec: { pipelineRef: { name: pipeline }, taskRunTemplate: { serviceAccountName: 'pipeline' } },
      });
      expect(params(run as YamlObject)).toMatchObject(expected);
      expect(checkRun(run as YamlObject, targetOf(run as YamlObject), trigger)).toEqual([]);
      expect(await validate(run as YamlObject, file)).toMatch(
        /1 Tekton documents checked, 0 skipped, 0 problems/,
      );
    },
    20 * 60_000,
  );

  test.each([
    [
      'GitLab push to the default branch',
      'gitlab-push-main.json',
      'Push Hook',
      'gitlab-push-default-branch',
      'build-and-deploy',
      {
        DEPLOY: 'true',
        APP_NAME: 'shop-web',
        GIT_URL: 'https://gitlab.example.com/acme/shop.web.git',
        ACTOR: 'carol',
      },
    ],
    [
      'GitLab tag push of a version',
      'gitlab-tag-push.json',
      'Tag Push Hook',
      'gitlab-version-tag',
      'release',
      { GIT_REF: 'refs/tags/v2.0.0', GIT_REVISION: '9c4f8b6d0b4c5d6e7f8a9b0c1d2e3f4567890123' },
    ],
    [
      'GitLab merge request opened',
      'gitlab-merge-request-open.json',
      'Merge Request Hook',
      'gitlab-merge-request',
      'build-and-deploy',
      { DEPLOY: 'false', GIT_REF: 'refs/merge-requests/7/head', ACTOR: 'dave' },
    ],
  ])(
    '%s starts exactly one run, of the right pipeline',
    async (_what, file, event, trigger, pipeline, expected) => {
      const outcomes = fired(await deliver(file, gitlab(event), fixture(file)));
      expect(outcomes.map((o) => o.trigger)).toEqual([trigger]);
      const [run] = outcomes[0]?.resources ?? [];
      expect(run).toMatchObject({ kind: 'PipelineRun', spec: { pipelineRef: { name: pipeline } } });
      expect(params(run as YamlObject)).toMatchObject(expected);
      expect(checkRun(run as YamlObject, targetOf(run as YamlObject), trigger)).toEqual([]);
    },
    60_000,
  );

  test.each([
    ['a push to another branch', 'github-push-feature.json', 'push'],
    ['a tag that is not a version', 'github-push-other-tag.json', 'push'],
    ['a deleted version tag', 'github-delete-tag.json', 'push'],
    ['a closed pull request', 'github-pull-request-closed.json', 'pull_request'],
  ])(
    'GitHub: %s starts nothing',
    async (_what, file, event) => {
      const body = fixture(file);
      expect(fired(await deliver(file, github(event, body), body))).toEqual([]);
    },
    60_000,
  );

  test('an event signed with another secret is refused by the github interceptor, before any filter', async () => {
    const body = fixture('github-push-main.json');
    const outcomes = (await deliver('forged', github('push', body, 'not-the-secret'), body)).filter(
      (o) => o.listener === 'image-lifecycle-github',
    );
    expect(outcomes.map((o) => [o.fired, o.stoppedBy])).toEqual([
      [false, 'github'],
      [false, 'github'],
      [false, 'github'],
    ]);
    expect(outcomes[0]?.reason).toMatch(/signature/i);
  }, 60_000);

  test('a GitLab event with a wrong token is refused by the gitlab interceptor', async () => {
    const outcomes = (
      await deliver('gitlab-forged', gitlab('Push Hook', 'wrong-token'), fixture('gitlab-push-main.json'))
    ).filter((o) => o.listener === 'image-lifecycle-gitlab');
    expect(outcomes.every((o) => !o.fired && o.stoppedBy === 'gitlab')).toBe(true);
    expect(outcomes).toHaveLength(3);
  }, 60_000);
});

test('the fixtures are the events the README tells users to enable', () => {
  expect(readdirSync(path.join(root, 'test', 'fixtures', 'webhooks')).sort()).toHaveLength(10);
});
