import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { step } from '../../../steps/diagnose-pull/main.js';
import { containerProblems, isPodReady, listPods, type KubeClient } from '../../../steps/lib/kube/index.js';
import { parsePullDurations } from '../../../steps/lib/metrics/inputs.js';
import { startTestCluster, type TestCluster } from '../../helpers/cluster.js';
import { ADMIN } from '../../helpers/credentials.js';
import { eventually } from '../../helpers/eventually.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { createSeeder } from '../../helpers/seed.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

let cluster: TestCluster;
let client: KubeClient;
let registry: TestRegistry;

const dockerconfig = (host: string, password: string) =>
  Buffer.from(
    JSON.stringify({
      auths: { [host]: { auth: Buffer.from(`${ADMIN.username}:${password}`).toString('base64') } },
    }),
  ).toString('base64');

beforeAll(async () => {
  [cluster, registry] = await Promise.all([
    startTestCluster({ imagePullBackOff: { initialMs: 200, maxMs: 1000 } }),
    startRegistry({ auth: 'basic' }),
  ]);
  client = cluster.client();
  const seeder = createSeeder(registry, ADMIN);
  await seeder.pushImage({ repo: 'shop/web', tag: 'v1' });
  await seeder.pushImage({ repo: 'shop/private', tag: 'v1' });
  const namespace = cluster.namespace;
  for (const [name, password] of [
    ['good-pull', ADMIN.password],
    ['wrong-pull', 'not-the-password'],
  ] as const) {
    await client.core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': dockerconfig(registry.host, password) },
      },
    });
    await client.core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name }, imagePullSecrets: [{ name }] },
    });
  }
});
afterAll(async () => {
  await Promise.all([cluster?.stop(), registry?.stop()]);
});

async function deploy(name: string, image: string, serviceAccountName = 'good-pull'): Promise<V1Deployment> {
  return client.apps.createNamespacedDeployment({
    namespace: cluster.namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name, tier: 'web' } },
          spec: { serviceAccountName, containers: [{ name: 'web', image }] },
        },
      },
    },
  });
}

function settled(app: string, ok: (ready: boolean, reasons: string[]) => boolean): Promise<true> {
  return eventually(`pods of ${app} to settle`, async () => {
    const pods = await listPods(client, { labelSelector: `app=${app}` });
    const reasons = pods.flatMap((p) => containerProblems(p).map((c) => c.reason));
    return pods.length > 0 && ok(pods.every(isPodReady), reasons) ? true : undefined;
  });
}
const pullFailing = (app: string) =>
  settled(app, (_ready, reasons) => reasons.some((r) => r === 'ErrImagePull' || r === 'ImagePullBackOff'));

const diagnose = (...args: string[]) =>
  runStepInProcess(step, [...args, '--kubeconfig', cluster.kubeconfigPath]);

describe('diagnose-pull on the registry-backed kubelet', () => {
  test('a missing tag: not-found, with the fix, exit 1', async () => {
    await deploy('broken', `${registry.host}/shop/web:v404`);
    await pullFailing('broken');
    const run = await diagnose('--deployment', 'broken', '--output', 'json');
    expect(run).toExitWith(1);
    expect(run.results.PULL_FAILURES).toBe('1');
    expect(run.results.FAILURE_CATEGORY).toBe('not-found');
    expect(run.results.DIAGNOSIS).toMatch(
      /^1 pull failure\(s\) and 0 runtime failure\(s\) in 1 pod; not-found: pod broken-[a-z0-9-]+ container web: (ErrImagePull|ImagePullBackOff): tag or manifest not found/,
    );
    const report = JSON.parse(run.stdout) as {
      pullFailures: Array<{ message: string; fix: string; registry: string }>;
    };
    expect(report.pullFailures[0]).toMatchObject({
      registry: registry.host,
      message: expect.stringContaining('manifest unknown'),
      fix: expect.stringMatching(/^push the tag/),
    });
  });

  test('wrong credentials in the pull secret: unauthorized, naming the secret the pod used', async () => {
    await deploy('locked', `${registry.host}/shop/private:v1`, 'wrong-pull');
    await pullFailing('locked');
    const run = await diagnose('--selector', 'app=locked,tier=web', '--output', 'json');
    expect(run).toExitWith(1);
    const report = JSON.parse(run.stdout) as { pullFailures: Array<Record<string, unknown>> };
    expect(report.pullFailures[0]).toMatchObject({
      category: 'unauthorized',
      serviceAccount: 'wrong-pull',
      pullSecrets: ['wrong-pull'],
      fix: `the credentials in pull secret(s) "wrong-pull" are wrong or lack pull access to the repository on ${registry.host}: update the secret`,
    });
    expect(run.stdout + run.stderr).not.toContain('not-the-password');
  });

  test('an unreachable registry', async () => {
    await deploy('nowhere', '127.0.0.1:1/shop/web:v1');
    await pullFailing('nowhere');
    const run = await diagnose('--deployment', 'nowhere', '--fail-on-failure', 'false');
    expect(run).toExitWith(0);
    expect(run.results.FAILURE_CATEGORY).toBe('unreachable');
    expect(run.stdout).toContain(
      'fix: 127.0.0.1:1 refused the connection: check the registry is running and the port is right',
    );
  });

  test('a healthy Deployment: no failure, and its pull durations in a file the metrics step reads', async () => {
    await deploy('fine', `${registry.host}/shop/web:v1`);
    await settled('fine', (ready) => ready);
    const file = join(makeTempDir('pull-durations'), 'pulls.json');
    const run = await diagnose('--deployment', 'fine', '--pull-durations-file', file);
    expect(run).toExitWith(0);
    expect(run.results.PULL_FAILURES).toBe('0');
    expect(run.results.DIAGNOSIS).toBe('no pull failures in 1 pod');
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      pulls: Array<{ image: string; seconds: number; sizeBytes: number }>;
    };
    expect(doc.pulls).toEqual([
      expect.objectContaining({
        image: `${registry.host}/shop/web:v1`,
        seconds: expect.any(Number),
        sizeBytes: expect.any(Number),
      }),
    ]);
    expect(parsePullDurations('metrics', 'pull-durations-file', doc)).toEqual([doc.pulls[0]?.seconds]);
    expect(JSON.parse(run.results.PULL_DURATIONS ?? '')).toEqual({
      pulls: [{ seconds: doc.pulls[0]?.seconds }],
    });
  });

  test('bad input', async () => {
    const none = await diagnose();
    expect(none).toExitWith(2);
    expect(none.stderr).toContain('ERROR: diagnose-pull: give --deployment or --selector');
    const missing = await diagnose('--deployment', 'no-such');
    expect(missing).toExitWith(2);
    expect(missing.stderr).toMatch(
      /ERROR: get deployments\.apps "no-such" in namespace "kt-[0-9a-f]+": not found/,
    );
  });
});
