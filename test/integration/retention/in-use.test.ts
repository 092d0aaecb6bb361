import type { V1Pod } from '@kubernetes/client-node';
import { listPods } from '../../../steps/lib/kube/index.js';
import { KubeInUseSource } from '../../../steps/lib/retention/in-use-kube.js';
import type { Plan } from '../../../steps/lib/retention/model.js';
import { step } from '../../../steps/retention/main.js';
import { startTestCluster, type TestCluster } from '../../helpers/cluster.js';
import { eventually } from '../../helpers/eventually.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { createSeeder, type Seeder } from '../../helpers/seed.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { image, present, push, tagsNow, writePolicy } from './scenarios.js';

let registry: TestRegistry;
let cluster: TestCluster;
let seeder: Seeder;
let dir: string;

beforeAll(async () => {
  registry = await startRegistry();
  seeder = createSeeder(registry);
  cluster = await startTestCluster();
  dir = makeTempDir('retention-in-use');
});
afterAll(async () => {
  await cluster?.stop();
  await registry?.stop();
});

const podSpec = (image: string) => ({ containers: [{ name: 'app', image }] });
const template = (name: string, image: string) => ({
  metadata: { labels: { app: name } },
  spec: { ...podSpec(image), restartPolicy: 'OnFailure' },
});

async function createWorkload(
  group: 'apps' | 'batch',
  plural: string,
  kind: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  await cluster.client().custom.createNamespacedCustomObject({
    group,
    version: 'v1',
    namespace: cluster.namespace,
    plural,
    body: { apiVersion: `${group}/v1`, kind, metadata: { name }, spec },
  });
}

describe('images in use in the test cluster', () => {
  test('every workload kind and running pods (with the digest they actually run) are collected', async () => {
    const img = (n: string) => `${registry.host}/collect/app:${n}`;
    const selector = (name: string) => ({ selector: { matchLabels: { app: name } } });
    await createWorkload('apps', 'statefulsets', 'StatefulSet', 'db', {
      ...selector('db'),
      serviceName: 'db',
      replicas: 0,
      template: template('db', img('sts')),
    });
    await createWorkload('apps', 'daemonsets', 'DaemonSet', 'agent', {
      ...selector('agent'),
      template: template('agent', img('ds')),
    });
    await createWorkload('apps', 'replicasets', 'ReplicaSet', 'old-rs', {
      ...selector('old-rs'),
      replicas: 0,
      template: template('old-rs', img('rs')),
    });
    await createWorkload('batch', 'jobs', 'Job', 'migrate', { template: template('migrate', img('job')) });
    await createWorkload('batch', 'cronjobs', 'CronJob', 'nightly', {
      schedule: '0 3 * * *',
      jobTemplate: { spec: { template: template('nightly', img('cron')) } },
    });
    await cluster.client().apps.createNamespacedDeployment({
      namespace: cluster.namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 0,
          ...selector('web'),
          template: { metadata: { labels: { app: 'web' } }, spec: podSpec(img('deploy')) },
        },
      },
    });
    const images = await new KubeInUseSource(cluster.client(), [cluster.namespace]).imagesInUse();
    const ns = cluster.namespace;
    expect(images).toEqual(
      expect.arrayContaining([
        { reference: img('sts'), user: `StatefulSet ${ns}/db` },
        { reference: img('ds'), user: `DaemonSet ${ns}/agent` },
        { reference: img('rs'), user: `ReplicaSet ${ns}/old-rs` },
        { reference: img('job'), user: `Job ${ns}/migrate` },
        { reference: img('cron'), user: `CronJob ${ns}/nightly` },
        { reference: img('deploy'), user: `Deployment ${ns}/web` },
      ]),
    );
    // "*" reads every namespace: the same images, found cluster-wide.
    const everywhere = await new KubeInUseSource(cluster.client(), ['*']).imagesInUse();
    expect(everywhere.map((i) => i.reference)).toEqual(
      expect.arrayContaining(images.map((i) => i.reference)),
    );
  });

  test('an old image a Deployment runs survives retention with protectInUse, tag and digest; unused ones go', async () => {
    const repo = 'inuse/app';
    const digests: string[] = [];
    for (let i = 0; i < 5; i++)
      digests.push((await push(seeder, repo, `1.0.${i}`, image(repo, `u${i}`))).digest);
    const d = (i: number) => digests[i] as string;
    // The Deployment runs 1.0.1 by tag (a real pod, pulled by the test kubelet from the registry); a CronJob pins 1.0.2's digest.
    await cluster.client().apps.createNamespacedDeployment({
      namespace: cluster.namespace,
      body: {
        metadata: { name: 'shop' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'shop' } },
          template: {
            metadata: { labels: { app: 'shop' } },
            spec: podSpec(`${registry.host}/${repo}:1.0.1`),
          },
        },
      },
    });
    await createWorkload('batch', 'cronjobs', 'CronJob', 'report', {
      schedule: '0 4 * * *',
      jobTemplate: { spec: { template: template('report', `${registry.host}/${repo}@${d(2)}`) } },
    });
    const running = await eventually('the shop pod to run 1.0.1', async () => {
      const pods = await listPods(cluster.client(), { labelSelector: 'app=shop' });
      return pods.find((p: V1Pod) => p.status?.containerStatuses?.[0]?.imageID?.includes(d(1)));
    });
    expect(running.status?.containerStatuses?.[0]?.imageID).toContain(d(1));

    const policy = writePolicy(dir, {
      repository: repo,
      policy: `name: in-use\nkeep: {newest: 1}\nprotectInUse: true\ninUse: {namespaces: [${cluster.namespace}]}`,
    });
    const args = [
      '--policy',
      policy,
      '--registry',
      registry.host,
      '--repository',
      repo,
      '--kubeconfig',
      cluster.kubeconfigPath,
      '--output',
      'json',
    ];
    const run = await runStepInProcess(step, [...args, '--apply']);
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run).toExitWith(0);
    const plan = JSON.parse(run.stdout) as Plan;
    const byTag = Object.fromEntries(plan.decisions.map((x) => [x.tag, x]));
    expect(byTag['1.0.1']?.action).toBe('keep');
    expect(byTag['1.0.1']?.reasons[0]).toMatch(
      new RegExp(
        `^in use by Pod ${cluster.namespace}/shop-[a-z0-9-]+, Deployment ${cluster.namespace}/shop, ReplicaSet ${cluster.namespace}/shop-[a-z0-9]+$`,
      ),
    );
    expect(byTag['1.0.2']?.action).toBe('untag');
    expect(byTag['1.0.2']?.reasons.at(-1)).toBe(
      `its manifest stays: in use by CronJob ${cluster.namespace}/report`,
    );

    expect(await tagsNow(seeder, repo)).toEqual({ '1.0.1': d(1), '1.0.4': d(4) });
    expect(await present(seeder, repo, digests)).toEqual([d(1), d(2), d(4)]);
  });

  test('without permission to read workloads the step stops before deleting anything (exit 2, naming the resource)', async () => {
    const repo = 'inuse/denied';
    for (let i = 0; i < 3; i++) await push(seeder, repo, `2.0.${i}`, image(repo, `x${i}`));
    const before = await tagsNow(seeder, repo);
    const kubeconfig = await cluster.restrictedKubeconfig('pods-only', [
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    ]);
    const policy = writePolicy(dir, {
      repository: repo,
      policy: `name: denied\nkeep: {newest: 1}\nprotectInUse: true\ninUse: {namespaces: [${cluster.namespace}]}`,
    });
    const run = await runStepInProcess(step, [
      '--policy',
      policy,
      '--registry',
      registry.host,
      '--repository',
      repo,
      '--kubeconfig',
      kubeconfig,
      '--apply',
    ]);
    expect(run).toExitWith(2);
    expect(run.stderr).toMatch(/forbidden: cannot list deployments\.apps in namespace "kt-[0-9a-f]+"/);
    expect(await tagsNow(seeder, repo)).toEqual(before);
  });
});
