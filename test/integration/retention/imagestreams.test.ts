import { join } from 'node:path';
import { getImageStream, listImageStreamTags, type ImageStream } from '../../../steps/lib/kube/index.js';
import type { Plan } from '../../../steps/lib/retention/model.js';
import { step } from '../../../steps/retention/main.js';
import { onOpenShift, startTestCluster, type TestCluster } from '../../helpers/cluster.js';
import { eventually } from '../../helpers/eventually.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { createSeeder, type Seeder } from '../../helpers/seed.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { image, push, tagsNow, writePolicy } from './scenarios.js';

const INTERNAL = 'image-registry.openshift-image-registry.svc:5000';

onOpenShift('retention of image stream tags', () => {
  let registry: TestRegistry;
  let cluster: TestCluster;
  let seeder: Seeder;
  let dir: string;
  const digests: string[] = [];

  async function istags(): Promise<Record<string, string>> {
    const tags = await listImageStreamTags(cluster.client(), { stream: 'app' });
    return Object.fromEntries(
      tags.map((t) => [(t.metadata.name ?? '').split(':')[1] as string, t.image.metadata?.name as string]),
    );
  }

  async function importTags(tags: Record<string, string>): Promise<void> {
    const client = cluster.client();
    const stream = await getImageStream(client, 'app').catch(() => undefined);
    const specTags = Object.entries(tags).map(([name, source]) => ({
      name,
      from: { kind: 'DockerImage', name: `${registry.host}/team/app:${source}` },
    }));
    const body = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: 'app', ...(stream ? { resourceVersion: stream.metadata.resourceVersion } : {}) },
      spec: { tags: specTags },
    };
    const target = {
      group: 'image.openshift.io',
      version: 'v1',
      namespace: cluster.namespace,
      plural: 'imagestreams',
    };
    if (stream) await client.custom.replaceNamespacedCustomObject({ ...target, name: 'app', body });
    else await client.custom.createNamespacedCustomObject({ ...target, body });
    await eventually(
      'the image imports',
      async () => {
        const current: ImageStream = await getImageStream(client, 'app');
        const imported = Object.keys(tags).every(
          (t) =>
            current.status?.tags?.find((s) => s.tag === t)?.items?.[0]?.generation ===
            (current.spec.tags?.find((s) => s.name === t)?.generation ?? 0),
        );
        return imported ? current : undefined;
      },
      { describe: async () => JSON.stringify((await getImageStream(client, 'app')).status) },
    );
  }

  beforeAll(async () => {
    registry = await startRegistry();
    seeder = createSeeder(registry);
    cluster = await startTestCluster();
    dir = makeTempDir('retention-imagestreams');
    for (let i = 0; i < 6; i++)
      digests.push((await push(seeder, 'team/app', `1.0.${i}`, image('team/app', `is${i}`))).digest);
    await importTags({
      ...Object.fromEntries(digests.map((_, i) => [`1.0.${i}`, `1.0.${i}`])),
      prod: '1.0.0',
    });
  });
  afterAll(async () => {
    await cluster?.stop();
    await registry?.stop();
  });

  test('only ImageStreamTags go, never images; tags in use by internal name or by source digest stay; a retagged tag is skipped', async () => {
    const d = (i: number) => digests[i] as string;
    const ns = cluster.namespace;
    // A Deployment runs 1.0.1 through the integrated registry; a CronJob pins 1.0.2 by its source digest.
    await cluster.client().apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: `${INTERNAL}/${ns}/app:1.0.1` }] },
          },
        },
      },
    });
    await cluster.client().custom.createNamespacedCustomObject({
      group: 'batch',
      version: 'v1',
      namespace: ns,
      plural: 'cronjobs',
      body: {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'report' },
        spec: {
          schedule: '0 1 * * *',
          jobTemplate: {
            spec: {
              template: {
                spec: {
                  restartPolicy: 'Never',
                  containers: [{ name: 'r', image: `${registry.host}/team/app@${d(2)}` }],
                },
              },
            },
          },
        },
      },
    });
    const policy = writePolicy(dir, {
      repository: 'is',
      policy: `name: streams\nkeep: {newest: 2, tags: [prod]}\nprotectInUse: true\ninUse: {namespaces: [${ns}]}`,
    });
    const planFile = join(dir, 'is-plan.json');
    const args = [
      '--policy',
      policy,
      '--backend',
      'imagestreams',
      '--kubeconfig',
      cluster.kubeconfigPath,
      '--namespace',
      ns,
      '--output',
      'json',
    ];
    const planned = await runStepInProcess(step, [...args, '--plan-file', planFile]);
    expect(planned.stderr).not.toMatch(/ERROR/);
    expect(planned).toExitWith(0);
    const plan = JSON.parse(planned.stdout) as Plan;
    expect(
      plan.decisions.filter((x) => x.action !== 'keep').map((x) => [x.repository, x.tag, x.action]),
    ).toEqual([
      [`${ns}/app`, '1.0.0', 'untag'],
      [`${ns}/app`, '1.0.3', 'untag'],
    ]);
    expect(plan.decisions.find((x) => x.tag === '1.0.3')?.reasons.at(-1)).toBe(
      'image streams: only the ImageStreamTag goes; the image stays until `oc adm prune images` removes it',
    );
    expect(plan.decisions.find((x) => x.tag === '1.0.2')?.reasons[0]).toBe(
      `its image is in use by CronJob ${ns}/report, and the image stream serves it only while a tag references it`,
    );
    expect(plan.summary.manifestsDeleted).toBe(0);
    expect(plan.summary.reclaimableBytes).toBeGreaterThan(0);

    // Between plan and apply, 1.0.3 is retagged to another image.
    await importTags({
      ...Object.fromEntries(digests.map((_, i) => [`1.0.${i}`, `1.0.${i}`])),
      prod: '1.0.0',
      '1.0.3': '1.0.5',
    });
    const applied = await runStepInProcess(step, [...args, '--apply-plan', planFile, '--apply']);
    expect(applied.stderr).not.toMatch(/ERROR/);
    expect(applied).toExitWith(0);
    const done = JSON.parse(applied.stdout) as Plan;
    expect(done.summary).toEqual(
      expect.objectContaining({ tagsDeleted: 1, skipped: 1, manifestsDeleted: 0 }),
    );

    expect(await istags()).toEqual({
      '1.0.1': d(1),
      '1.0.2': d(2),
      '1.0.3': d(5),
      '1.0.4': d(4),
      '1.0.5': d(5),
      prod: d(0),
    });
    // The registry itself is untouched: image streams never delete images.
    expect(Object.keys(await tagsNow(seeder, 'team/app'))).toHaveLength(6);
  });

  test('without permission to delete ImageStreamTags the step stops before changing anything (exit 2)', async () => {
    const before = await istags();
    const kubeconfig = await cluster.restrictedKubeconfig('is-reader', [
      {
        apiGroups: ['image.openshift.io'],
        resources: ['imagestreams', 'imagestreamtags'],
        verbs: ['get', 'list'],
      },
    ]);
    const policy = writePolicy(dir, { repository: 'is-ro', policy: 'name: streams-ro\nkeep: {newest: 1}' });
    const run = await runStepInProcess(step, [
      '--policy',
      policy,
      '--backend',
      'imagestreams',
      '--kubeconfig',
      kubeconfig,
      '--namespace',
      cluster.namespace,
      '--apply',
    ]);
    expect(run).toExitWith(2);
    expect(run.stderr).toMatch(/forbidden: cannot delete imagestreamtags\.image\.openshift\.io in namespace/);
    expect(await istags()).toEqual(before);
  });
});
