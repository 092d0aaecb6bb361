import { applyStrategicMergePatch } from '../../kube-server/patch/strategic-merge.js';
import { mergeSchemaFor } from '../../kube-server/patch/schema.js';
import { PatchApplyError } from '../../kube-server/patch/errors.js';
import type { Json, JsonObject } from '../../kube-server/json.js';

const deployment = (containers: Json, extra: JsonObject = {}): JsonObject => ({
  metadata: { name: 'web', finalizers: ['a'], ...extra },
  spec: { template: { spec: { containers, volumes: [{ name: 'data', emptyDir: {} }] } } },
});
const smp = (original: Json, patch: Json, kind = 'Deployment') =>
  applyStrategicMergePatch(original, patch, mergeSchemaFor(kind)) as JsonObject;
const containersOf = (d: JsonObject) => ((d.spec as JsonObject).template as JsonObject).spec as JsonObject;

describe('strategic merge patch', () => {
  const original = deployment([
    {
      name: 'app',
      image: 'app:v1',
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
    },
    { name: 'sidecar', image: 'proxy:v1' },
  ]);

  test('containers merge by name, and their env by name', () => {
    const out = smp(original, {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                image: 'app:v2',
                env: [
                  { name: 'B', value: 'two' },
                  { name: 'C', value: '3' },
                ],
              },
            ],
          },
        },
      },
    });
    expect(containersOf(out).containers).toEqual([
      {
        name: 'app',
        image: 'app:v2',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: 'two' },
          { name: 'C', value: '3' },
        ],
      },
      { name: 'sidecar', image: 'proxy:v1' },
    ]);
    expect(containersOf(out).volumes).toEqual([{ name: 'data', emptyDir: {} }]);
  });

  test('$patch: delete removes one list element by its merge key', () => {
    const out = smp(original, {
      spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } },
    });
    expect((containersOf(out).containers as JsonObject[]).map((c) => c.name)).toEqual(['app']);
    const envOut = smp(original, {
      spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'A', $patch: 'delete' }] }] } } },
    });
    expect((containersOf(envOut).containers as JsonObject[])[0]?.env).toEqual([{ name: 'B', value: '2' }]);
  });

  test('$patch: replace replaces a list or a map whole', () => {
    const list = smp(original, {
      spec: { template: { spec: { containers: [{ name: 'only', image: 'x:1' }, { $patch: 'replace' }] } } },
    });
    expect(containersOf(list).containers).toEqual([{ name: 'only', image: 'x:1' }]);
    const map = smp(original, {
      spec: { template: { spec: { $patch: 'replace', containers: [{ name: 'x', image: 'x' }] } } },
    });
    expect(containersOf(map)).toEqual({ containers: [{ name: 'x', image: 'x' }] });
  });

  test('null deletes a field; lists without a strategy are replaced', () => {
    const out = smp(
      { spec: { paused: true, template: { spec: { tolerations: [{ key: 'a' }], containers: [] } } } },
      { spec: { paused: null, template: { spec: { tolerations: [{ key: 'b' }] } } } },
    );
    expect(out).toEqual({ spec: { template: { spec: { tolerations: [{ key: 'b' }], containers: [] } } } });
  });

  test('finalizers merge as a set; $deleteFromPrimitiveList removes from it', () => {
    expect(
      (smp(original, { metadata: { finalizers: ['a', 'b'] } }).metadata as JsonObject).finalizers,
    ).toEqual(['a', 'b']);
    expect(
      (smp(original, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }).metadata as JsonObject)
        .finalizers,
    ).toEqual([]);
  });

  test('$retainKeys keeps only the named fields after merging', () => {
    const out = smp(
      { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
      { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    );
    expect(out).toEqual({ spec: { strategy: { type: 'Recreate' } } });
  });

  test('$setElementOrder orders the merged list; elements the patch left out stay after their predecessor', () => {
    const out = smp(original, {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }],
            containers: [{ name: 'app', image: 'app:v3' }],
          },
        },
      },
    });
    expect((containersOf(out).containers as JsonObject[]).map((c) => `${c.name}=${c.image}`)).toEqual([
      'sidecar=proxy:v1',
      'app=app:v3',
    ]);
  });

  test('an element without its merge key cannot be placed', () => {
    expect(() =>
      smp(original, { spec: { template: { spec: { containers: [{ image: 'nameless' }] } } } }),
    ).toThrow(PatchApplyError);
  });

  test('Service ports merge by port; a ServiceAccount imagePullSecrets list is replaced (no strategy on it)', () => {
    const svc = smp(
      { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } },
      { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
      'Service',
    );
    expect((svc.spec as JsonObject).ports).toEqual([{ port: 80, targetPort: 9090 }, { port: 443 }]);
    const sa = smp(
      { imagePullSecrets: [{ name: 'a' }], secrets: [{ name: 's1' }] },
      { imagePullSecrets: [{ name: 'b' }], secrets: [{ name: 's2' }] },
      'ServiceAccount',
    );
    expect(sa).toEqual({ imagePullSecrets: [{ name: 'b' }], secrets: [{ name: 's1' }, { name: 's2' }] });
  });

  test('image stream spec tags merge by name', () => {
    const is = smp(
      { spec: { tags: [{ name: 'v1', from: { kind: 'DockerImage', name: 'a' } }] } },
      { spec: { tags: [{ name: 'v2', from: { kind: 'DockerImage', name: 'b' } }] } },
      'ImageStream',
    );
    expect(((is.spec as JsonObject).tags as JsonObject[]).map((t) => t.name)).toEqual(['v1', 'v2']);
  });
});
