import { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '../../../steps/lib/errors.js';
import {
  KubeClient,
  deleteImageStreamTag,
  getImageStream,
  getRoute,
  imageStreamTagName,
  KubeInvalidError,
  KubeNotFoundError,
  listImageStreamTags,
  routeTrafficShares,
  setRouteWeights,
  type ImageStream,
  type Route,
} from '../../../steps/lib/kube/index.js';
import { onOpenShift, onTestServer, startTestCluster, type TestCluster } from '../../helpers/cluster.js';
import { eventually } from '../../helpers/eventually.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder, type PushedImage } from '../../helpers/seed.js';

let cluster: TestCluster;
let client: KubeClient;

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client();
});
afterAll(() => cluster.stop());

test('weights are checked before anything is sent', async () => {
  // An API server that is not there: a request would fail as unreachable, not as a usage error.
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: 'http://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  const nowhere = new KubeClient(
    { config, namespace: 'x', source: 'test', server: 'http://127.0.0.1:1' },
    { retry: { retries: 0 } },
  );
  await expect(setRouteWeights(nowhere, 'any', [{ service: 'stable', weight: 300 }])).rejects.toThrow(
    new UsageError('route weights: weight for "stable" must be an integer from 0 to 256, got 300'),
  );
  expect(() => imageStreamTagName('app', '-bad')).toThrow(
    new UsageError('image stream tag "-bad" is not a valid tag'),
  );
});

onOpenShift('Route weight changes', () => {
  describe('routes', () => {
    const createRoute = (name: string, spec: Partial<Route['spec']> = {}) =>
      client.custom.createNamespacedCustomObject({
        group: 'route.openshift.io',
        version: 'v1',
        namespace: cluster.namespace,
        plural: 'routes',
        body: {
          apiVersion: 'route.openshift.io/v1',
          kind: 'Route',
          metadata: { name },
          spec: { to: { kind: 'Service', name: 'stable', weight: 100 }, port: { targetPort: 8080 }, ...spec },
        },
      });

    test('setting weights moves traffic between spec.to and the alternate backends', async () => {
      await createRoute('shop');
      const canary = await setRouteWeights(client, 'shop', [
        { service: 'stable', weight: 90 },
        { service: 'canary', weight: 10 },
      ]);
      expect(canary.spec.to).toEqual({ kind: 'Service', name: 'stable', weight: 90 });
      expect(canary.spec.alternateBackends).toEqual([{ kind: 'Service', name: 'canary', weight: 10 }]);
      expect(canary.spec.port).toEqual({ targetPort: 8080 });
      const promoted = await setRouteWeights(client, 'shop', [{ service: 'canary', weight: 100 }]);
      expect(routeTrafficShares(promoted)).toEqual([{ service: 'canary', weight: 100, percent: 100 }]);
      expect(promoted.spec.alternateBackends).toEqual([]);
      expect((await getRoute(client, 'shop')).spec.to.name).toBe('canary');
    });

    test('a weight the API refuses comes back as invalid, with its message', async () => {
      await createRoute('strict');
      const err = await client
        .call(
          {
            verb: 'patch',
            resource: 'routes',
            group: 'route.openshift.io',
            namespace: cluster.namespace,
            name: 'strict',
          },
          (o) =>
            client.custom.patchNamespacedCustomObject(
              {
                group: 'route.openshift.io',
                version: 'v1',
                namespace: cluster.namespace,
                plural: 'routes',
                name: 'strict',
                body: { spec: { to: { weight: 300 } } },
              },
              o,
            ),
          'application/merge-patch+json',
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeInvalidError);
      expect((err as Error).message).toContain(
        'spec.to.weight: Invalid value: 300: weight must be an integer between 0 and 256',
      );
    });

    test('a route changed between read and write is re-read, and the weights still land', async () => {
      await createRoute('busy');
      let reads = 0;
      const racing = cluster.client();
      const original = racing.custom.getNamespacedCustomObject.bind(racing.custom);
      // The first read returns, then another writer labels the route before our patch arrives.
      racing.custom.getNamespacedCustomObject = (async (...args: Parameters<typeof original>) => {
        const route = await original(...args);
        if (++reads === 1) {
          await client.custom.patchNamespacedCustomObject(
            {
              group: 'route.openshift.io',
              version: 'v1',
              namespace: cluster.namespace,
              plural: 'routes',
              name: 'busy',
              body: { metadata: { labels: { touched: 'yes' } } },
            },
            client.requestOptions('application/merge-patch+json'),
          );
        }
        return route;
      }) as typeof original;
      const route = await setRouteWeights(racing, 'busy', [
        { service: 'stable', weight: 50 },
        { service: 'canary', weight: 50 },
      ]);
      expect(reads).toBe(2);
      expect(route.metadata.labels).toEqual({ touched: 'yes' });
      expect(routeTrafficShares(route).map((s) => s.percent)).toEqual([50, 50]);
    });

    test('the router admits the route for its host', async () => {
      await createRoute('admitted');
      const route = await eventually('route admission', async () => {
        const r = await getRoute(client, 'admitted');
        return r.status?.ingress?.length ? r : undefined;
      });
      expect(route.spec.host).toBeTruthy();
      expect(route.status?.ingress?.[0]).toMatchObject({
        host: route.spec.host,
        conditions: [{ type: 'Admitted', status: 'True' }],
      });
    });
  });
});

onTestServer('ImageStreamTags imported from the local test registry', () => {
  describe('image streams', () => {
    let registry: TestRegistry;
    let v1: PushedImage;
    let v2: PushedImage;

    beforeAll(async () => {
      registry = await startRegistry({ auth: 'none' });
      const seeder = createSeeder(registry);
      v1 = await seeder.pushImage({ repo: 'team/app', tag: 'v1' });
      v2 = await seeder.pushImage({
        repo: 'team/app',
        tag: 'v2',
        layers: [Buffer.from('not really a tar, but bytes')],
      });
      const tags = ['v1', 'v2', 'gone'].map((tag) => ({
        name: tag,
        from: { kind: 'DockerImage', name: `${registry.host}/team/app:${tag}` },
      }));
      await client.custom.createNamespacedCustomObject({
        group: 'image.openshift.io',
        version: 'v1',
        namespace: cluster.namespace,
        plural: 'imagestreams',
        body: {
          apiVersion: 'image.openshift.io/v1',
          kind: 'ImageStream',
          metadata: { name: 'app' },
          spec: { tags },
        },
      });
      await eventually(
        'the imports to finish',
        async () => {
          const stream: ImageStream = await getImageStream(client, 'app');
          const settled = stream.status?.tags?.filter((t) => t.items?.length || t.conditions?.length) ?? [];
          return settled.length === 3 ? stream : undefined;
        },
        { describe: async () => JSON.stringify(await getImageStream(client, 'app')) },
      );
    });
    afterAll(() => registry.stop());

    test('tags list with the digests the registry holds; a failed import shows as a condition', async () => {
      const tags = await listImageStreamTags(client, { stream: 'app' });
      expect(
        tags.map((t) => [t.metadata.name, t.image.metadata?.name, t.image.dockerImageReference]),
      ).toEqual([
        ['app:v1', v1.digest, `${registry.host}/team/app@${v1.digest}`],
        ['app:v2', v2.digest, `${registry.host}/team/app@${v2.digest}`],
      ]);
      const stream = await getImageStream(client, 'app');
      expect(stream.status?.tags?.find((t) => t.tag === 'gone')?.conditions?.[0]).toMatchObject({
        type: 'ImportSuccess',
        status: 'False',
        reason: 'NotFound',
        message: `dockerimage.image.openshift.io "${registry.host}/team/app:gone" not found`,
      });
    });

    test('deleting a tag removes it from spec and status; deleting it again is NotFound', async () => {
      await deleteImageStreamTag(client, 'app', 'v1');
      expect((await listImageStreamTags(client, { stream: 'app' })).map((t) => t.metadata.name)).toEqual([
        'app:v2',
      ]);
      const stream = await getImageStream(client, 'app');
      expect(stream.spec.tags?.map((t) => t.name)).toEqual(['gone', 'v2']);
      expect(stream.status?.tags?.map((t) => t.tag)).toEqual(['gone', 'v2']);
      await expect(deleteImageStreamTag(client, 'app', 'v1')).rejects.toBeInstanceOf(KubeNotFoundError);
    });
  });
});
