import { KubeConfig, Watch } from '@kubernetes/client-node';
import { startKubeServer, type KubeServer } from '../../kube-server/server.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dirs.js';
import { join } from 'node:path';

/**
 * The test API server speaks the Kubernetes HTTP API closely enough to trust: these tests talk to it over
 * raw HTTP (and through client-node's Watch) and check what a real API server would answer.
 */
let server: KubeServer;
let token: string;

beforeAll(async () => {
  // No controllers are needed here beyond the defaults; a slow tick keeps them out of the way.
  server = await startKubeServer({ tickMs: 1000, namespaces: ['shop'] });
  token = server.admin.token;
});
afterAll(() => server.stop());

async function api(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  bearer = token,
) {
  const res = await fetch(server.url + path, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

const configMap = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});
const deployment = (name: string, image = 'app:v1') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
  },
});

describe('objects and their metadata', () => {
  test('create assigns uid, creationTimestamp and a resourceVersion from one counter; list reports the latest', async () => {
    const a = await api('POST', '/api/v1/namespaces/shop/configmaps', configMap('meta-a'));
    const b = await api('POST', '/api/v1/namespaces/shop/configmaps', configMap('meta-b'));
    expect(a.status).toBe(201);
    expect(a.body.metadata).toMatchObject({
      name: 'meta-a',
      namespace: 'shop',
      uid: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(a.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(b.body.metadata.resourceVersion)).toBeGreaterThan(Number(a.body.metadata.resourceVersion));
    const list = await api('GET', '/api/v1/namespaces/shop/configmaps');
    expect(list.body.kind).toBe('ConfigMapList');
    expect(Number(list.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(
      Number(b.body.metadata.resourceVersion),
    );
    expect(list.body.items[0].kind).toBeUndefined();
  });

  test('generation counts spec changes only', async () => {
    const created = await api('POST', '/apis/apps/v1/namespaces/shop/deployments', deployment('gen'));
    expect(created.body.metadata.generation).toBe(1);
    const labelled = await api(
      'PATCH',
      '/apis/apps/v1/namespaces/shop/deployments/gen',
      { metadata: { labels: { team: 'a' } } },
      'application/merge-patch+json',
    );
    expect(labelled.body.metadata.generation).toBe(1);
    const respec = await api(
      'PATCH',
      '/apis/apps/v1/namespaces/shop/deployments/gen',
      { spec: { replicas: 2 } },
      'application/merge-patch+json',
    );
    expect(respec.body.metadata.generation).toBe(2);
    expect(Number(respec.body.metadata.resourceVersion)).toBeGreaterThan(
      Number(labelled.body.metadata.resourceVersion),
    );
  });

  test('an update that changes nothing keeps the resourceVersion', async () => {
    const created = await api(
      'POST',
      '/api/v1/namespaces/shop/configmaps',
      configMap('noop', {}, { a: '1' }),
    );
    const again = await api('PUT', '/api/v1/namespaces/shop/configmaps/noop', created.body);
    expect(again.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);
  });

  test('a PUT with a stale resourceVersion is a 409 Conflict Status; without one it is unconditional', async () => {
    const created = await api('POST', '/api/v1/namespaces/shop/configmaps', configMap('occ', {}, { v: '1' }));
    const first = await api('PUT', '/api/v1/namespaces/shop/configmaps/occ', {
      ...created.body,
      data: { v: '2' },
    });
    expect(first.status).toBe(200);
    const stale = await api('PUT', '/api/v1/namespaces/shop/configmaps/occ', {
      ...created.body,
      data: { v: '3' },
    });
    expect(stale.status).toBe(409);
    expect(stale.text).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on configmaps \\"occ\\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"occ","group":"","kind":"configmaps"},"code":409}',
    );
    const { resourceVersion: _rv, ...metadata } = created.body.metadata;
    const unconditional = await api('PUT', '/api/v1/namespaces/shop/configmaps/occ', {
      ...created.body,
      metadata,
      data: { v: '4' },
    });
    expect(unconditional.body.data).toEqual({ v: '4' });
  });

  test('404, 409 AlreadyExists, 405 and 400 come as Status bodies', async () => {
    const missing = await api('GET', '/apis/apps/v1/namespaces/shop/deployments/nope');
    expect(missing.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'deployments.apps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'apps', kind: 'deployments' },
      code: 404,
    });
    await api('POST', '/api/v1/namespaces/shop/configmaps', configMap('twice'));
    expect((await api('POST', '/api/v1/namespaces/shop/configmaps', configMap('twice'))).body).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
    });
    expect(
      (
        await api(
          'PATCH',
          '/apis/image.openshift.io/v1/namespaces/shop/imagestreamtags/a:b',
          {},
          'application/merge-patch+json',
        )
      ).body,
    ).toMatchObject({
      code: 405,
      reason: 'MethodNotAllowed',
    });
    expect(
      (
        await api('POST', '/api/v1/namespaces/shop/configmaps', {
          ...configMap('x'),
          metadata: { name: 'x', namespace: 'other' },
        })
      ).body,
    ).toMatchObject({
      code: 400,
      message: 'the namespace of the provided object does not match the namespace sent on the request',
    });
    expect((await api('GET', '/apis/nope.example.com/v1/things')).body).toMatchObject({
      code: 404,
      message: 'the server could not find the requested resource',
    });
    expect((await api('POST', '/api/v1/namespaces/ghost/configmaps', configMap('x'))).body).toMatchObject({
      code: 404,
      message: 'namespaces "ghost" not found',
    });
  });

  test('delete answers with a Status, or the pod itself; deleting a namespace deletes what it holds', async () => {
    await api('POST', '/api/v1/namespaces', { metadata: { name: 'doomed' } });
    const cm = await api('POST', '/api/v1/namespaces/doomed/configmaps', configMap('c'));
    const gone = await api('DELETE', '/api/v1/namespaces/doomed/configmaps/c');
    expect(gone.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'c', group: '', kind: 'configmaps', uid: cm.body.metadata.uid },
      code: 200,
    });
    await api('POST', '/api/v1/namespaces/doomed/configmaps', configMap('d'));
    await api('DELETE', '/api/v1/namespaces/doomed');
    expect((await api('GET', '/api/v1/namespaces/doomed/configmaps/d')).status).toBe(404);
  });

  test('a delete with a stale precondition is a conflict', async () => {
    await api('POST', '/api/v1/namespaces/shop/configmaps', configMap('pre'));
    const res = await api('DELETE', '/api/v1/namespaces/shop/configmaps/pre', {
      preconditions: { resourceVersion: '1' },
    });
    expect(res.body).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(res.body.message).toMatch(
      /Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: \d+$/,
    );
  });

  test('validation failures are 422 Invalid with causes', async () => {
    const bad = await api('POST', '/apis/apps/v1/namespaces/shop/deployments', {
      ...deployment('bad'),
      spec: {
        selector: { matchLabels: { app: 'x' } },
        template: { metadata: { labels: { app: 'y' } }, spec: { containers: [{ name: 'app' }] } },
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.reason).toBe('Invalid');
    expect(bad.body.details.causes.map((c: { field: string }) => c.field)).toEqual([
      'spec.template.metadata.labels',
      'spec.template.spec.containers[0].image',
    ]);
    expect(bad.body.message).toMatch(
      /^Deployment\.apps "bad" is invalid: \[spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`, spec\.template\.spec\.containers\[0\]\.image: Required value\]$/,
    );
  });

  test('stringData is written into data, base64-encoded, and dockerconfigjson secrets must hold JSON', async () => {
    const secret = await api('POST', '/api/v1/namespaces/shop/secrets', {
      metadata: { name: 's' },
      stringData: { user: 'me' },
    });
    expect(secret.body).toMatchObject({
      type: 'Opaque',
      data: { user: Buffer.from('me').toString('base64') },
    });
    expect(secret.body.stringData).toBeUndefined();
    const bad = await api('POST', '/api/v1/namespaces/shop/secrets', {
      metadata: { name: 'p' },
      type: 'kubernetes.io/dockerconfigjson',
      stringData: { '.dockerconfigjson': '{' },
    });
    expect(bad.body).toMatchObject({
      code: 422,
      details: { causes: [{ field: 'data[.dockerconfigjson]' }] },
    });
  });
});

describe('patches', () => {
  test('each patch type applies with its own semantics', async () => {
    const base = deployment('patchy');
    base.spec.template.spec.containers.push({ name: 'side', image: 'side:v1' });
    await api('POST', '/apis/apps/v1/namespaces/shop/deployments', base);
    const path = '/apis/apps/v1/namespaces/shop/deployments/patchy';
    const strategic = await api(
      'PATCH',
      path,
      { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:v2' }] } } } },
      'application/strategic-merge-patch+json',
    );
    expect(strategic.body.spec.template.spec.containers.map((c: { image: string }) => c.image)).toEqual([
      'app:v2',
      'side:v1',
    ]);
    const json = await api(
      'PATCH',
      path,
      [{ op: 'replace', path: '/spec/template/spec/containers/1/image', value: 'side:v2' }],
      'application/json-patch+json',
    );
    expect(json.body.spec.template.spec.containers[1].image).toBe('side:v2');
    const merge = await api(
      'PATCH',
      path,
      { spec: { template: { spec: { containers: [{ name: 'only', image: 'only:v1' }] } } } },
      'application/merge-patch+json',
    );
    expect(merge.body.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['only']);
  });

  test('other content types are 415; a failing JSON Patch test is 422; a malformed one is 400', async () => {
    await api('POST', '/apis/apps/v1/namespaces/shop/deployments', deployment('media'));
    const path = '/apis/apps/v1/namespaces/shop/deployments/media';
    const apply = await api('PATCH', path, { spec: {} }, 'application/apply-patch+yaml');
    expect(apply.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json',
      reason: 'UnsupportedMediaType',
      code: 415,
    });
    expect(
      (
        await api(
          'PATCH',
          path,
          [{ op: 'test', path: '/spec/replicas', value: 7 }],
          'application/json-patch+json',
        )
      ).body,
    ).toMatchObject({ code: 422, reason: 'Invalid' });
    expect((await api('PATCH', path, { not: 'an array' }, 'application/json-patch+json')).body).toMatchObject(
      { code: 400, reason: 'BadRequest' },
    );
    expect(
      (await api('POST', '/api/v1/namespaces/shop/configmaps', configMap('y'), 'text/plain')).status,
    ).toBe(415);
  });

  test('a patch carrying a stale resourceVersion is a conflict', async () => {
    const created = await api('POST', '/api/v1/namespaces/shop/configmaps', configMap('patch-occ'));
    await api(
      'PATCH',
      '/api/v1/namespaces/shop/configmaps/patch-occ',
      { data: { a: '1' } },
      'application/merge-patch+json',
    );
    const stale = await api(
      'PATCH',
      '/api/v1/namespaces/shop/configmaps/patch-occ',
      { metadata: { resourceVersion: created.body.metadata.resourceVersion }, data: { a: '2' } },
      'application/merge-patch+json',
    );
    expect(stale.body).toMatchObject({ code: 409, reason: 'Conflict' });
  });

  test('the scale subresource reads and writes spec.replicas', async () => {
    await api('POST', '/apis/apps/v1/namespaces/shop/deployments', deployment('scaled'));
    const scale = await api('GET', '/apis/apps/v1/namespaces/shop/deployments/scaled/scale');
    expect(scale.body).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 0 },
      status: { selector: 'app=scaled' },
    });
    const patched = await api(
      'PATCH',
      '/apis/apps/v1/namespaces/shop/deployments/scaled/scale',
      { spec: { replicas: 3 } },
      'application/merge-patch+json',
    );
    expect(patched.body.spec.replicas).toBe(3);
    expect((await api('GET', '/apis/apps/v1/namespaces/shop/deployments/scaled')).body.spec.replicas).toBe(3);
  });

  test('status subresource writes leave spec alone, and spec writes leave status alone', async () => {
    await api('POST', '/apis/apps/v1/namespaces/shop/deployments', deployment('split'));
    const status = await api(
      'PATCH',
      '/apis/apps/v1/namespaces/shop/deployments/split/status',
      { spec: { replicas: 9 }, status: { replicas: 5 } },
      'application/merge-patch+json',
    );
    expect(status.body.spec.replicas).toBe(0);
    expect(status.body.status.replicas).toBe(5);
    const spec = await api(
      'PATCH',
      '/apis/apps/v1/namespaces/shop/deployments/split',
      { status: { replicas: 1 } },
      'application/merge-patch+json',
    );
    expect(spec.body.status.replicas).toBe(5);
  });
});

describe('lists and selectors', () => {
  beforeAll(async () => {
    await api('POST', '/api/v1/namespaces', { metadata: { name: 'sel' } });
    for (const [name, labels] of [
      ['sel-a', { app: 'web', track: 'stable' }],
      ['sel-b', { app: 'web', track: 'canary' }],
      ['sel-c', { app: 'api' }],
    ] as const) {
      await api('POST', '/api/v1/namespaces/sel/configmaps', configMap(name, labels));
    }
  });
  const names = async (query: string) =>
    (await api('GET', `/api/v1/namespaces/sel/configmaps?${query}`)).body.items.map(
      (i: { metadata: { name: string } }) => i.metadata.name,
    );

  test.each([
    ['labelSelector=app%3Dweb', ['sel-a', 'sel-b']],
    ['labelSelector=app!%3Dweb', ['sel-c']],
    ['labelSelector=track%20in%20(canary,blue)', ['sel-b']],
    ['labelSelector=track%20notin%20(canary)', ['sel-a', 'sel-c']],
    ['labelSelector=track', ['sel-a', 'sel-b']],
    ['labelSelector=!track', ['sel-c']],
    ['fieldSelector=metadata.name%3Dsel-b', ['sel-b']],
    ['fieldSelector=metadata.name!%3Dsel-b&labelSelector=app%3Dweb', ['sel-a']],
  ])('%s', async (query, expected) => {
    expect(await names(query)).toEqual(expected);
  });

  test('a bad selector is a 400', async () => {
    expect(
      (await api('GET', '/api/v1/namespaces/sel/configmaps?fieldSelector=spec.x%3D1')).body,
    ).toMatchObject({ code: 400, message: 'field label not supported: spec.x' });
    expect(
      (await api('GET', '/api/v1/namespaces/sel/configmaps?labelSelector=a%20in%20(b')).body,
    ).toMatchObject({ code: 400 });
  });

  test('limit and continue page through a list', async () => {
    const first = await api('GET', '/api/v1/namespaces/sel/configmaps?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.metadata.remainingItemCount).toBe(1);
    const second = await api(
      'GET',
      `/api/v1/namespaces/sel/configmaps?limit=2&continue=${first.body.metadata.continue}`,
    );
    expect(second.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['sel-c']);
    expect(second.body.metadata.continue).toBeUndefined();
  });

  test('events select on involvedObject fields and pods on status.phase', async () => {
    await api('POST', '/api/v1/namespaces/sel/events', {
      metadata: { name: 'e1' },
      involvedObject: { kind: 'Pod', name: 'p1', namespace: 'sel' },
      reason: 'Pulled',
      message: 'm',
      type: 'Normal',
    });
    await api('POST', '/api/v1/namespaces/sel/events', {
      metadata: { name: 'e2' },
      involvedObject: { kind: 'Pod', name: 'p2', namespace: 'sel' },
      reason: 'Failed',
      type: 'Warning',
    });
    const events = await api(
      'GET',
      '/api/v1/namespaces/sel/events?fieldSelector=involvedObject.kind%3DPod,involvedObject.name%3Dp1',
    );
    expect(events.body.items.map((e: { metadata: { name: string } }) => e.metadata.name)).toEqual(['e1']);
    const warnings = await api('GET', '/api/v1/namespaces/sel/events?fieldSelector=type%3DWarning');
    expect(warnings.body.items.map((e: { metadata: { name: string } }) => e.metadata.name)).toEqual(['e2']);
    const pods = await api('GET', '/api/v1/namespaces/sel/pods?fieldSelector=status.phase%3DRunning');
    expect(pods.body.items).toEqual([]);
  });
});

describe('watch', () => {
  test('streams ADDED, MODIFIED and DELETED from a resourceVersion, crossing a selector as ADDED/DELETED', async () => {
    await api('POST', '/api/v1/namespaces', { metadata: { name: 'watched' } });
    const start = (await api('GET', '/api/v1/namespaces/watched/configmaps')).body.metadata.resourceVersion;
    const controller = new AbortController();
    const res = await fetch(
      `${server.url}/api/v1/namespaces/watched/configmaps?watch=true&resourceVersion=${start}&labelSelector=tier%3Dweb`,
      {
        headers: { authorization: `Bearer ${token}` },
        signal: controller.signal,
      },
    );
    expect(res.headers.get('content-type')).toBe('application/json');
    const events: Array<{ type: string; name: string; tier?: string }> = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const event = JSON.parse(buffered.slice(0, newline));
          buffered = buffered.slice(newline + 1);
          events.push({
            type: event.type,
            name: event.object.metadata.name,
            tier: event.object.metadata.labels?.tier,
          });
          if (events.length === 4) return;
        }
      }
    })();
    await api('POST', '/api/v1/namespaces/watched/configmaps', configMap('w', { tier: 'web' }));
    await api('POST', '/api/v1/namespaces/watched/configmaps', configMap('other', { tier: 'db' }));
    await api(
      'PATCH',
      '/api/v1/namespaces/watched/configmaps/w',
      { data: { a: '1' } },
      'application/merge-patch+json',
    );
    await api(
      'PATCH',
      '/api/v1/namespaces/watched/configmaps/other',
      { metadata: { labels: { tier: 'web' } } },
      'application/merge-patch+json',
    );
    await api(
      'PATCH',
      '/api/v1/namespaces/watched/configmaps/w',
      { metadata: { labels: { tier: 'db' } } },
      'application/merge-patch+json',
    );
    await reading;
    controller.abort();
    expect(events).toEqual([
      { type: 'ADDED', name: 'w', tier: 'web' },
      { type: 'MODIFIED', name: 'w', tier: 'web' },
      { type: 'ADDED', name: 'other', tier: 'web' },
      { type: 'DELETED', name: 'w', tier: 'db' },
    ]);
  }, 15_000);

  test("client-node's Watch sees existing objects, then changes and deletions", async () => {
    const dir = makeTempDir('watch-kubeconfig');
    const file = join(dir, 'kubeconfig');
    server.writeKubeconfig(file);
    const config = new KubeConfig();
    config.loadFromFile(file);
    await api('POST', '/api/v1/namespaces', { metadata: { name: 'cnw' } });
    await api('POST', '/api/v1/namespaces/cnw/configmaps', configMap('before'));
    const seen: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const request = await new Watch(config).watch(
      '/api/v1/namespaces/cnw/configmaps',
      {},
      (type, object: { metadata: { name: string } }) => {
        seen.push(`${type} ${object.metadata.name}`);
        if (seen.length === 3) done();
      },
      () => undefined,
    );
    await api('POST', '/api/v1/namespaces/cnw/configmaps', configMap('after'));
    await api('DELETE', '/api/v1/namespaces/cnw/configmaps/before');
    await finished;
    request.abort();
    removeTempDir(dir);
    expect(seen).toEqual(['ADDED before', 'ADDED after', 'DELETED before']);
  });

  test('a resourceVersion older than the history is an ERROR event with 410 Expired', async () => {
    const res = await api('GET', '/api/v1/namespaces/shop/configmaps?watch=true&resourceVersion=5');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired' },
    });
    expect(res.body.object.message).toMatch(/^too old resource version: 5 \(\d+\)$/);
  });
});

describe('authentication, authorization and discovery', () => {
  test('no or unknown token: 401 Unauthorized', async () => {
    const res = await api('GET', '/api/v1/namespaces', undefined, 'application/json', 'not-a-token');
    expect(res.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  test('a user allowed only some verbs gets 403 with the RBAC wording', async () => {
    const reader = server.addUser('reader', [
      { verbs: ['get', 'list'], resources: ['deployments'], apiGroups: ['apps'], namespaces: ['shop'] },
    ]);
    await api('POST', '/apis/apps/v1/namespaces/shop/deployments', deployment('guarded'));
    expect(
      (
        await api(
          'GET',
          '/apis/apps/v1/namespaces/shop/deployments/guarded',
          undefined,
          undefined,
          reader.token,
        )
      ).status,
    ).toBe(200);
    const denied = await api(
      'PATCH',
      '/apis/apps/v1/namespaces/shop/deployments/guarded',
      {},
      'application/merge-patch+json',
      reader.token,
    );
    expect(denied.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'deployments.apps "guarded" is forbidden: User "reader" cannot patch resource "deployments" in API group "apps" in the namespace "shop"',
      reason: 'Forbidden',
      details: { name: 'guarded', group: 'apps', kind: 'deployments' },
      code: 403,
    });
    const scale = await api(
      'GET',
      '/apis/apps/v1/namespaces/shop/deployments/guarded/scale',
      undefined,
      undefined,
      reader.token,
    );
    expect(scale.body.message).toContain('cannot get resource "deployments/scale"');
    const elsewhere = await api(
      'GET',
      '/apis/apps/v1/namespaces/default/deployments',
      undefined,
      undefined,
      reader.token,
    );
    expect(elsewhere.body.message).toBe(
      'deployments.apps is forbidden: User "reader" cannot list resource "deployments" in API group "apps" in the namespace "default"',
    );
  });

  test('discovery documents list groups, versions and resources', async () => {
    expect((await fetch(`${server.url}/version`).then((r) => r.json())) as object).toMatchObject({
      major: '1',
      gitVersion: expect.stringMatching(/^v1\./),
    });
    expect((await api('GET', '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await api('GET', '/apis')).body.groups.map((g: { name: string }) => g.name);
    expect(groups).toEqual(
      expect.arrayContaining(['apps', 'batch', 'route.openshift.io', 'image.openshift.io']),
    );
    const apps = (await api('GET', '/apis/apps/v1')).body.resources.map((r: { name: string }) => r.name);
    expect(apps).toEqual(
      expect.arrayContaining([
        'deployments',
        'deployments/status',
        'deployments/scale',
        'replicasets',
        'statefulsets',
        'daemonsets',
      ]),
    );
    const core = (await api('GET', '/api/v1')).body.resources.map((r: { name: string }) => r.name);
    expect(core).toEqual(
      expect.arrayContaining([
        'pods',
        'pods/status',
        'events',
        'services',
        'serviceaccounts',
        'secrets',
        'configmaps',
        'namespaces',
      ]),
    );
  });
});
