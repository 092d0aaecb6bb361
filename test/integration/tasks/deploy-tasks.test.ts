import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import type { FlagSpecs } from '../../../steps/lib/tekton/args.js';
import type { StepDefinition } from '../../../steps/lib/tekton/step.js';
import { steps as registry } from '../../../steps/registry.js';
import { getDeployment, type KubeClient } from '../../../steps/lib/kube/index.js';
import { startTestCluster, type TestCluster } from '../../helpers/cluster.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess, type StepRun } from '../../helpers/run-step.js';
import { createSeeder } from '../../helpers/seed.js';
import { tarArchive } from '../../helpers/tar.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { deployStable, weightsOf } from '../canary/fixtures.js';

interface TaskDoc {
  spec: {
    params: Array<{ name: string; default?: string }>;
    steps: Array<{ command: string[]; args: string[] }>;
  };
}

let cluster: TestCluster;
let client: KubeClient;
let oci: TestRegistry;

beforeAll(async () => {
  [cluster, oci] = await Promise.all([startTestCluster(), startRegistry({ auth: 'none' })]);
  client = cluster.client();
});
afterAll(async () => {
  await Promise.all([cluster?.stop(), oci?.stop()]);
});

/**
 * Runs a Task's only step the way Tekton would: params substituted (defaults, then the given ones),
 * workspaces bound or "", the TaskRun's name; then the kubeconfig the pod's service account would give.
 */
async function runTask(
  task: string,
  params: Record<string, string>,
  workspaces: Record<string, string> = {},
): Promise<StepRun> {
  const doc = load(readFileSync(join('tasks', task, `${task}.yaml`), 'utf8')) as TaskDoc;
  const values = Object.fromEntries(doc.spec.params.map((p) => [p.name, params[p.name] ?? p.default ?? '']));
  const [stepDoc] = doc.spec.steps as [TaskDoc['spec']['steps'][number]];
  const args = stepDoc.args.map((a) =>
    a
      .replace(/\$\(params\.([A-Z_]+)\)/g, (_m, name: string) => values[name] ?? '')
      .replace(/\$\(workspaces\.([a-z-]+)\.path\)/g, (_m, name: string) => workspaces[name] ?? '')
      .replace('$(context.taskRun.name)', `${task}-run-x1`),
  );
  const step = (await (
    registry[stepDoc.command[1] as string] as () => Promise<StepDefinition<FlagSpecs>>
  )()) as StepDefinition<FlagSpecs>;
  return runStepInProcess(step, [...args, '--kubeconfig', cluster.kubeconfigPath]);
}

test('image-verify, deploy-canary, deploy-rollback and diagnose-pull run with their defaults and write every result', async () => {
  const seeder = createSeeder(oci);
  await seeder.pushImage({ repo: 'shop/app', tag: 'v1', layers: [tarArchive({ v: '1' })] });
  const v2 = await seeder.pushImage({ repo: 'shop/app', tag: 'v2', layers: [tarArchive({ v: '2' })] });
  await deployStable(client, cluster.namespace, 'shop', `${oci.host}/shop/app:v1`);

  const verify = await runTask('image-verify', {
    IMAGE: `${oci.host}/shop/app:v2`,
    SERVICE_ACCOUNT: 'default',
    PLATFORMS: 'linux/amd64',
  });
  expect(verify).toExitWith(0);
  expect(verify.results).toEqual({
    IMAGE_DIGEST: v2.digest,
    PINNED_IMAGE: `${oci.host}/shop/app@${v2.digest}`,
    PLATFORMS: 'linux/amd64',
  });

  const canary = await runTask('deploy-canary', {
    DEPLOYMENT: 'shop',
    IMAGE: verify.results.PINNED_IMAGE as string,
    STEPS: '[{setWeight: 50}, {pause: {duration: 200ms}}, {setWeight: 100}]',
    ROUTE: 'shop',
    CANARY_SERVICE: 'shop-canary',
    RUN_ID: 'pipeline-run-7',
    POLL_INTERVAL: '100ms',
  });
  expect(canary.stderr).not.toMatch(/ERROR/);
  expect(canary).toExitWith(0);
  expect(canary.results).toEqual({
    CANARY_RESULT: `promoted: ${verify.results.PINNED_IMAGE}`,
    ANALYSIS_SUMMARY: '',
  });
  expect((await getDeployment(client, 'shop')).spec?.template.spec?.containers[0]?.image).toBe(
    verify.results.PINNED_IMAGE,
  );
  expect(await weightsOf(client, 'shop')).toEqual({ shop: 100, 'shop-canary': 0 });

  const rollback = await runTask('deploy-rollback', { DEPLOYMENT: 'shop', RUN_ID: 'pipeline-run-7' });
  expect(rollback).toExitWith(0);
  expect(Object.keys(rollback.results).sort()).toEqual(['ROLLBACK_RESULT', 'ROLLED_BACK_IMAGES']);
  expect(rollback.results.ROLLBACK_RESULT).toBe(
    'nothing-to-do: the canary of run pipeline-run-7 is Succeeded',
  );

  // Without RUN_ID the TaskRun's own name is the run: not this canary's, so nothing happens either.
  const alone = await runTask('deploy-rollback', { DEPLOYMENT: 'shop' });
  expect(alone.results.ROLLBACK_RESULT).toBe(
    'nothing-to-do: the canary state of deployment shop belongs to run pipeline-run-7, not deploy-rollback-run-x1',
  );

  const reports = makeTempDir('diagnose-reports');
  const diagnose = await runTask('diagnose-pull', { DEPLOYMENT: 'shop' }, { reports });
  expect(diagnose).toExitWith(0);
  expect(Object.keys(diagnose.results).sort()).toEqual([
    'DIAGNOSIS',
    'FAILURE_CATEGORY',
    'PULL_DURATIONS',
    'PULL_FAILURES',
  ]);
  expect(existsSync(join(reports, 'pull-durations.json'))).toBe(true);
});
