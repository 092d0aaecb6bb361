import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import {
  containerProblems,
  eventsFor,
  isPodReady,
  listPods,
  type ContainerProblem,
  type KubeClient,
} from '../../../steps/lib/kube/index.js';
import { onTestServer, startTestCluster, type TestCluster } from '../../helpers/cluster.js';
import { ADMIN } from '../../helpers/credentials.js';
import { eventually } from '../../helpers/eventually.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder, type PushedImage } from '../../helpers/seed.js';

let cluster: TestCluster;
let client: KubeClient;

beforeAll(async () => {
  cluster = await startTestCluster({
    imagePullBackOff: { initialMs: 150, maxMs: 600 },
    crashLoopBackOff: { initialMs: 150, maxMs: 600 },
    probePeriodMs: 100,
  });
  client = cluster.client();
});
afterAll(() => cluster.stop());

interface PodOptions {
  labels?: Record<string, string>;
  serviceAccountName?: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent';
}

async function createPod(name: string, image: string, options: PodOptions = {}): Promise<V1Pod> {
  return client.core.createNamespacedPod({
    namespace: cluster.namespace,
    body: {
      metadata: { name, labels: { app: name, ...options.labels } },
      spec: {
        containers: [
          {
            name: 'web',
            image,
            ...(options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {}),
          },
        ],
        ...(options.serviceAccountName ? { serviceAccountName: options.serviceAccountName } : {}),
      },
    },
  });
}

async function readPod(name: string): Promise<V1Pod> {
  const [pod] = await listPods(client, { fieldSelector: `metadata.name=${name}` });
  if (!pod) throw new Error(`pod ${name} is gone`);
  return pod;
}

/** Waits until the pod's container shows one of these problems, and returns it. */
function problemOf(name: string, reasons: string[]): Promise<ContainerProblem> {
  return eventually(
    `pod ${name} to show ${reasons.join(' or ')}`,
    async () => containerProblems(await readPod(name)).find((p) => reasons.includes(p.reason)),
    { describe: async () => JSON.stringify((await readPod(name)).status?.containerStatuses) },
  );
}

function eventsOf(name: string): Promise<CoreV1Event[]> {
  return eventsFor(client, { kind: 'Pod', name });
}

const line = (e: CoreV1Event) => `${e.type} ${e.reason}: ${e.message}`;

test('a pod whose registry cannot be reached waits in ErrImagePull or ImagePullBackOff, and its events say why', async () => {
  const image = '127.0.0.1:1/nowhere/app:v1';
  await createPod('unreachable', image);
  const problem = await problemOf('unreachable', ['ErrImagePull', 'ImagePullBackOff']);
  expect(problem).toMatchObject({ container: 'web', image, init: false });
  const events = await eventually('the Failed pull event', async () => {
    const all = await eventsOf('unreachable');
    return all.some(
      (e) => e.reason === 'Failed' && e.message?.startsWith(`Failed to pull image "${image}": `),
    )
      ? all
      : undefined;
  });
  const lines = events.map(line);
  expect(lines).toEqual(
    expect.arrayContaining([
      `Normal Pulling: Pulling image "${image}"`,
      'Warning Failed: Error: ErrImagePull',
    ]),
  );
  expect(events.find((e) => e.reason === 'Failed')?.involvedObject.fieldPath).toBe('spec.containers{web}');
});

onTestServer('pods pulling from the test registry through the scripted kubelet', () => {
  describe('the kubelet against the real test registry', () => {
    let registry: TestRegistry;
    let present: PushedImage;

    beforeAll(async () => {
      registry = await startRegistry({ auth: 'none' });
      present = await createSeeder(registry).pushImage({ repo: 'shop/web', tag: 'v1' });
    });
    afterAll(() => registry.stop());

    test('an image the registry has runs, is ready, and the events read like a real node', async () => {
      // The first pod to use the image on this node: it is pulled, not found in the node's cache.
      const image = `${registry.host}/shop/web:v1`;
      await createPod('present', image);
      const pod = await eventually('pod present to be ready', async () => {
        const p = await readPod('present');
        return isPodReady(p) ? p : undefined;
      });
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.containerStatuses?.[0]).toMatchObject({
        name: 'web',
        ready: true,
        started: true,
        restartCount: 0,
        imageID: `${registry.host}/shop/web@${present.digest}`,
        containerID: expect.stringMatching(/^cri-o:\/\/[0-9a-f]{64}$/),
      });
      expect(containerProblems(pod)).toEqual([]);
      const manifest = JSON.parse(present.body.toString('utf8')) as {
        config: { size: number };
        layers: Array<{ size: number }>;
      };
      const size = manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0);
      const lines = (await eventsOf('present')).map(line);
      expect(lines[0]).toBe(
        `Normal Scheduled: Successfully assigned ${cluster.namespace}/present to kube-server-node`,
      );
      expect(lines.slice(1)).toEqual([
        `Normal Pulling: Pulling image "${image}"`,
        expect.stringMatching(
          new RegExp(
            `^Normal Pulled: Successfully pulled image "${image.replace(/\./g, '\\.')}" in \\d+(\\.\\d+)?m?s \\(\\d+(\\.\\d+)?m?s including waiting\\)\\. Image size: ${size} bytes\\.$`,
          ),
        ),
        'Normal Created: Created container: web',
        'Normal Started: Started container web',
      ]);
    });

    test('a tag the registry lacks: ErrImagePull, then ImagePullBackOff with the last error, and the kubelet events', async () => {
      const image = `${registry.host}/shop/web:missing`;
      await createPod('missing', image);
      const problem = await problemOf('missing', ['ImagePullBackOff']);
      const runtimeError = `rpc error: code = Unknown desc = initializing source docker://${image}: reading manifest missing in ${registry.host}/shop/web: manifest unknown`;
      expect(problem.message).toBe(`Back-off pulling image "${image}": ErrImagePull: ${runtimeError}`);
      const lines = (await eventsOf('missing')).map(line);
      expect(lines).toEqual(
        expect.arrayContaining([
          `Normal Pulling: Pulling image "${image}"`,
          `Warning Failed: Failed to pull image "${image}": ${runtimeError}`,
          'Warning Failed: Error: ErrImagePull',
          `Normal BackOff: Back-off pulling image "${image}"`,
          'Warning Failed: Error: ImagePullBackOff',
        ]),
      );
      const pod = await readPod('missing');
      expect(pod.status?.phase).toBe('Pending');
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
        status: 'False',
        reason: 'ContainersNotReady',
        message: 'containers with unready status: [web]',
      });
    });

    test('pull retries back off and repeat: the Pulling event is counted again', async () => {
      const image = `${registry.host}/shop/never:v1`;
      await createPod('retrying', image);
      const pulling = await eventually('a second pull attempt', async () => {
        const e = (await eventsOf('retrying')).find((ev) => ev.reason === 'Pulling');
        return e && (e.count ?? 0) >= 2 ? e : undefined;
      });
      expect(pulling.message).toBe(`Pulling image "${image}"`);
      expect(new Date(pulling.lastTimestamp as Date).getTime()).toBeGreaterThanOrEqual(
        new Date(pulling.firstTimestamp as Date).getTime(),
      );
      const problem = await problemOf('retrying', ['ImagePullBackOff', 'ErrImagePull']);
      expect(problem.message).toContain(
        `reading manifest v1 in ${registry.host}/shop/never: manifest unknown`,
      );
    });

    test('a container that keeps crashing goes into CrashLoopBackOff with restarts counted', async () => {
      const image = `${registry.host}/shop/web:v1`;
      const unscript = cluster.server!.script({ podSelector: 'app=crashy', crash: { afterMs: 30 } });
      try {
        await createPod('crashy', image);
        const problem = await eventually('two restarts and a back-off', async () => {
          const p = containerProblems(await readPod('crashy')).find((c) => c.reason === 'CrashLoopBackOff');
          return p && p.restartCount >= 2 ? p : undefined;
        });
        expect(problem.lastTermination).toEqual({ reason: 'Error', exitCode: 1 });
        const pod = await readPod('crashy');
        expect(problem.message).toMatch(
          new RegExp(
            `^back-off \\d+ms restarting failed container=web pod=crashy_${cluster.namespace}\\(${pod.metadata?.uid}\\)$`,
          ),
        );
        expect(pod.status?.phase).toBe('Running');
        const lines = (await eventsOf('crashy')).map(line);
        expect(lines).toContain(
          `Warning BackOff: Back-off restarting failed container web in pod crashy_${cluster.namespace}(${pod.metadata?.uid})`,
        );
        expect(lines).toContain(`Normal Pulled: Container image "${image}" already present on machine`);
      } finally {
        unscript();
      }
    });

    test('an OOMKilled container reports exit code 137 as its last state', async () => {
      const unscript = cluster.server!.script({
        image: `${registry.host}/shop/web:v1`,
        podSelector: 'memory=tight',
        crash: { afterMs: 20, reason: 'OOMKilled' },
      });
      try {
        await createPod('oom', `${registry.host}/shop/web:v1`, { labels: { memory: 'tight' } });
        const problem = await eventually('an OOMKilled restart', async () =>
          containerProblems(await readPod('oom')).find(
            (c) => c.lastTermination?.reason === 'OOMKilled' && c.restartCount >= 2,
          ),
        );
        expect(problem).toMatchObject({
          reason: 'CrashLoopBackOff',
          lastTermination: { reason: 'OOMKilled', exitCode: 137 },
        });
      } finally {
        unscript();
      }
    });

    test('a failing readiness probe keeps the pod running but not ready, with Unhealthy events', async () => {
      const unscript = cluster.server!.script({ podSelector: 'probe=failing', notReady: {} });
      try {
        await createPod('unready', `${registry.host}/shop/web:v1`, { labels: { probe: 'failing' } });
        const unhealthy = await eventually('repeated Unhealthy events', async () => {
          const e = (await eventsOf('unready')).find((ev) => ev.reason === 'Unhealthy');
          return e && (e.count ?? 0) >= 2 ? e : undefined;
        });
        expect(unhealthy).toMatchObject({
          type: 'Warning',
          message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
        });
        const pod = await readPod('unready');
        expect(pod.status?.phase).toBe('Running');
        expect(isPodReady(pod)).toBe(false);
        expect(pod.status?.containerStatuses?.[0]).toMatchObject({
          ready: false,
          started: true,
          state: { running: {} },
        });
      } finally {
        unscript();
      }
    });
  });

  describe('pull credentials from the service account', () => {
    let registry: TestRegistry;

    beforeAll(async () => {
      registry = await startRegistry({ auth: 'basic' });
      await createSeeder(registry, ADMIN).pushImage({ repo: 'private/app', tag: 'v1' });
      const dockerconfig = (password: string) =>
        Buffer.from(
          JSON.stringify({
            auths: {
              [registry.host]: { auth: Buffer.from(`${ADMIN.username}:${password}`).toString('base64') },
            },
          }),
        ).toString('base64');
      for (const [name, password] of [
        ['good-pull', ADMIN.password],
        ['bad-pull', 'wrong-password'],
      ] as const) {
        await client.core.createNamespacedSecret({
          namespace: cluster.namespace,
          body: {
            metadata: { name },
            type: 'kubernetes.io/dockerconfigjson',
            data: { '.dockerconfigjson': dockerconfig(password) },
          },
        });
        await client.core.createNamespacedServiceAccount({
          namespace: cluster.namespace,
          body: { metadata: { name }, imagePullSecrets: [{ name }] },
        });
      }
      await client.core.createNamespacedServiceAccount({
        namespace: cluster.namespace,
        body: { metadata: { name: 'dangling' }, imagePullSecrets: [{ name: 'no-such-secret' }] },
      });
    });
    afterAll(() => registry.stop());

    test("the service account's pull secret lets the pod pull; the admission copies it into the pod", async () => {
      const pod = await createPod('with-creds', `${registry.host}/private/app:v1`, {
        serviceAccountName: 'good-pull',
      });
      expect(pod.spec?.imagePullSecrets).toEqual([{ name: 'good-pull' }]);
      await eventually('pod with-creds to be ready', async () =>
        isPodReady(await readPod('with-creds')) ? true : undefined,
      );
    });

    // imagePullPolicy Always: with IfNotPresent a node that already holds the image runs it without asking
    // the registry, whatever the pod's credentials (true of the real kubelet as well).
    test('wrong credentials are an unauthorized pull failure', async () => {
      const image = `${registry.host}/private/app:v1`;
      await createPod('bad-creds', image, { serviceAccountName: 'bad-pull', imagePullPolicy: 'Always' });
      const problem = await problemOf('bad-creds', ['ErrImagePull', 'ImagePullBackOff']);
      expect(problem.message).toContain(
        `initializing source docker://${image}: reading manifest v1 in ${registry.host}/private/app: unauthorized: authentication required`,
      );
    });

    test('no credentials at all are unauthorized too, and a missing pull secret is reported', async () => {
      await createPod('no-creds', `${registry.host}/private/app:v1`, {
        serviceAccountName: 'dangling',
        imagePullPolicy: 'Always',
      });
      const problem = await problemOf('no-creds', ['ErrImagePull', 'ImagePullBackOff']);
      expect(problem.message).toContain('unauthorized: authentication required');
      const lines = (await eventsOf('no-creds')).map(line);
      expect(lines).toContain(
        'Warning FailedToRetrieveImagePullSecret: Unable to retrieve some image pull secrets ("no-such-secret"); attempting to pull the image may not succeed.',
      );
    });

    test('a pod naming a service account that does not exist is refused by admission', async () => {
      const err = await createPod('orphan', `${registry.host}/private/app:v1`, {
        serviceAccountName: 'ghost',
      }).catch((e: { code?: number; body?: string }) => e);
      expect((err as { code?: number }).code).toBe(403);
      expect(JSON.parse((err as { body: string }).body).message).toBe(
        `pods "orphan" is forbidden: error looking up service account ${cluster.namespace}/ghost: serviceaccount "ghost" not found`,
      );
    });
  });
});
