import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { isObject, loadDocuments, objects, type YamlObject } from './yaml-docs.js';

const root = path.resolve(__dirname, '..', '..');

/**
 * The objects `kubectl apply -k DIR` applies, read the way kustomize reads the kustomizations this library
 * uses: `resources` naming files or directories with their own kustomization.yaml, and `namespace`.
 */
function kustomize(dir: string): { file: string; object: YamlObject }[] {
  const k = load(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as YamlObject;
  const unsupported = Object.keys(k).filter(
    (key) => !['apiVersion', 'kind', 'namespace', 'labels', 'resources'].includes(key),
  );
  if (unsupported.length)
    throw new Error(
      `${dir}/kustomization.yaml uses ${unsupported.join(', ')}, which this test does not read`,
    );
  return (k.resources as string[]).flatMap((entry) => {
    const target = path.join(dir, entry);
    if (statSync(target).isDirectory()) return kustomize(target);
    return loadDocuments(target)
      .map((d) => d.value)
      .filter(isObject)
      .map((object) => ({ file: path.relative(root, target), object }));
  });
}

const installed = kustomize(path.join(root, 'install'));
const name = (o: YamlObject) => String((o.metadata as YamlObject).name);
const has = (kind: string, n: string) =>
  installed.some(({ object }) => object.kind === kind && name(object) === n);

describe('kubectl apply -k install', () => {
  test('installs every Task and Pipeline of the library and every webhook trigger', () => {
    const taskFiles = readdirSync(path.join(root, 'tasks'))
      .filter((d) => existsSync(path.join(root, 'tasks', d, `${d}.yaml`)))
      .map((d) => `tasks/${d}/${d}.yaml`);
    const pipelineFiles = readdirSync(path.join(root, 'pipelines'))
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .map((f) => `pipelines/${f}`);
    const triggerFiles = ['github', 'gitlab'].flatMap((d) =>
      readdirSync(path.join(root, 'triggers', d)).map((f) => `triggers/${d}/${f}`),
    );
    const files = new Set(installed.map((i) => i.file));
    expect([...taskFiles, ...pipelineFiles, ...triggerFiles].filter((f) => !files.has(f))).toEqual([]);
  });

  test('installs no Secret and nothing that runs on a schedule: those are set up by hand', () => {
    expect(
      installed
        .filter(({ object }) => object.kind === 'Secret' || object.kind === 'CronJob')
        .map((i) => i.file),
    ).toEqual([]);
  });

  test('puts every namespaced object in one namespace, set in install/kustomization.yaml', () => {
    const k = load(readFileSync(path.join(root, 'install', 'kustomization.yaml'), 'utf8')) as YamlObject;
    expect(k.namespace).toBe('image-lifecycle');
    // Objects name no namespace of their own, so `kustomize edit set namespace` moves all of them.
    expect(
      installed
        .filter(({ object }) => (object.metadata as YamlObject).namespace !== undefined)
        .map((i) => i.file),
    ).toEqual([]);
  });

  test('everything an installed object refers to is installed too (or ships with Tekton)', () => {
    const fromTekton = new Set([
      'ClusterRole/tekton-triggers-eventlistener-roles',
      'ClusterRole/tekton-triggers-eventlistener-clusterroles',
    ]);
    const missing: string[] = [];
    const need = (kind: string, n: string, by: string) => {
      if (!has(kind, n) && !fromTekton.has(`${kind}/${n}`)) missing.push(`${by} needs ${kind} ${n}`);
    };
    for (const { object } of installed) {
      const by = `${String(object.kind)}/${name(object)}`;
      const spec = (object.spec ?? {}) as YamlObject;
      if (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') {
        const ref = object.roleRef as YamlObject;
        need(String(ref.kind), String(ref.name), by);
        for (const s of objects(object.subjects)) need('ServiceAccount', String(s.name), by);
      }
      if (object.kind === 'EventListener') {
        need('ServiceAccount', String(spec.serviceAccountName), by);
        for (const t of objects(spec.triggers)) {
          for (const b of objects(t.bindings)) if (b.ref) need('TriggerBinding', String(b.ref), by);
          need('TriggerTemplate', String((t.template as YamlObject).ref), by);
        }
      }
      if (object.kind === 'TriggerTemplate') {
        for (const run of objects(spec.resourcetemplates)) {
          const runSpec = run.spec as YamlObject;
          need('Pipeline', String((runSpec.pipelineRef as YamlObject).name), by);
          need('ServiceAccount', String((runSpec.taskRunTemplate as YamlObject).serviceAccountName), by);
        }
      }
      if (object.kind === 'Pipeline') {
        for (const t of [...objects(spec.tasks), ...objects(spec.finally)])
          need('Task', String((t.taskRef as YamlObject).name), by);
      }
    }
    expect(missing).toEqual([]);
  });
});

test('the secret templates are Secrets with placeholders where the values go', () => {
  const dir = path.join(root, 'install', 'secrets');
  const secrets = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => loadDocuments(path.join(dir, f)).map((d) => d.value as YamlObject));
  expect(secrets.map((s) => name(s)).sort()).toEqual([
    'git-credentials',
    'image-lifecycle-webhook',
    'notify-webhook',
    'pushgateway-token',
    'registry-credentials',
  ]);
  for (const s of secrets) {
    expect(s.kind).toBe('Secret');
    expect(
      Object.values((s.stringData ?? {}) as Record<string, string>).some((v) => v.includes('REPLACE')),
    ).toBe(true);
  }
});
