import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { kubeAccess, type KubeAccess } from '../../steps/rbac.js';
import { steps as registry } from '../../steps/registry.js';
import { sections } from './catalog.js';
import { invokedSteps } from './contract.js';
import { kubeCalls, stepBundle } from './kube-calls.js';
import { isObject, loadDocuments, objects, yamlFiles, type YamlObject } from './yaml-docs.js';

const root = path.resolve(__dirname, '..', '..');
const all = yamlFiles(['install', 'triggers', 'tasks', 'pipelines'].map((d) => path.join(root, d)))
  .flatMap((f) => loadDocuments(f).map((d) => ({ file: path.relative(root, f), value: d.value })))
  .filter((d): d is { file: string; value: YamlObject } => isObject(d.value));
const named = (kind: string, name: string) =>
  all.find((d) => d.value.kind === kind && (d.value.metadata as YamlObject).name === name)?.value;

/** "group/resource verb" for every rule of a Role or ClusterRole. */
function grants(role: YamlObject | undefined): string[] {
  return objects(role?.rules).flatMap((rule) =>
    (rule.apiGroups as string[]).flatMap((g) =>
      (rule.resources as string[]).flatMap((r) => (rule.verbs as string[]).map((v) => `${g}/${r} ${v}`)),
    ),
  );
}
const listed = (access: readonly KubeAccess[]) =>
  access.flatMap((a) => a.verbs.map((v) => `${a.group}/${a.resource} ${v}`));
const sorted = (xs: string[]) => [...new Set(xs)].sort();

/** Every rule bound to a ServiceAccount, by Role and ClusterRole bindings anywhere in the library. */
function boundTo(serviceAccount: string): string[] {
  return all
    .filter((d) => d.value.kind === 'RoleBinding' || d.value.kind === 'ClusterRoleBinding')
    .filter((d) =>
      objects(d.value.subjects).some((s) => s.kind === 'ServiceAccount' && s.name === serviceAccount),
    )
    .flatMap((d) => {
      const ref = d.value.roleRef as YamlObject;
      return grants(named(String(ref.kind), String(ref.name)));
    });
}

describe('the Roles grant each step exactly what steps/rbac.ts lists', () => {
  test.each(Object.keys(kubeAccess))('%s', (step) => {
    const access = kubeAccess[step] ?? [];
    const role = named('Role', `image-lifecycle-step-${step}`);
    const clusterRole = named('ClusterRole', `image-lifecycle-step-${step}-cluster`);
    expect(sorted(grants(role))).toEqual(sorted(listed(access.filter((a) => !a.clusterWide))));
    expect(sorted(grants(clusterRole))).toEqual(sorted(listed(access.filter((a) => a.clusterWide))));
    for (const [kind, r] of [
      ['RoleBinding', role],
      ['ClusterRoleBinding', clusterRole],
    ] as const) {
      if (!r) continue;
      const binding = named(kind, String((r.metadata as YamlObject).name));
      expect(binding).toMatchObject({
        roleRef: { kind: r.kind, name: (r.metadata as YamlObject).name },
        subjects: [{ kind: 'ServiceAccount', name: 'pipeline' }],
      });
    }
  });

  test('no step Role grants anything beyond the list', () => {
    const stepRoles = all.filter(
      (d) =>
        /^(Cluster)?Role$/.test(String(d.value.kind)) &&
        String((d.value.metadata as YamlObject).name).startsWith('image-lifecycle-step-'),
    );
    const expected = Object.entries(kubeAccess).flatMap(([step, access]) => [
      `image-lifecycle-step-${step}`,
      ...(access.some((a) => a.clusterWide) ? [`image-lifecycle-step-${step}-cluster`] : []),
    ]);
    expect(stepRoles.map((d) => String((d.value.metadata as YamlObject).name)).sort()).toEqual(
      expected.sort(),
    );
    expect(sorted(boundTo('pipeline'))).toEqual(sorted(Object.values(kubeAccess).flatMap(listed)));
  });

  test('no Role or ClusterRole anywhere in the library uses a wildcard', () => {
    const wild = all
      .filter((d) => /^(Cluster)?Role$/.test(String(d.value.kind)))
      .flatMap((d) =>
        grants(d.value)
          .filter((g) => g.includes('*'))
          .map((g) => `${d.file} ${String((d.value.metadata as YamlObject).name)}: ${g}`),
      );
    expect(wild).toEqual([]);
  });

  test("the CronJobs' own identities get exactly their step's rights, and the schedulers only create runs", () => {
    expect(sorted(boundTo('image-lifecycle-retention'))).toEqual(sorted(listed(kubeAccess.retention ?? [])));
    expect(sorted(boundTo('image-lifecycle-base-image-check'))).toEqual(
      sorted(listed(kubeAccess['base-image-check'] ?? [])),
    );
    expect(sorted(boundTo('image-lifecycle-scheduler'))).toEqual(['tekton.dev/taskruns create']);
    expect(sorted(boundTo('image-lifecycle-maintenance-scheduler'))).toEqual([
      'tekton.dev/pipelineruns create',
    ]);
  });
});

describe("steps/rbac.ts matches the calls each step's code makes", () => {
  // Every KubeAction the step's tree-shaken bundle holds; a step missing from the list must make none.
  test.each(Object.keys(registry))(
    '%s',
    async (step) => {
      const calls = kubeCalls(await stepBundle(step));
      const expected = sorted(
        (kubeAccess[step] ?? []).flatMap((a) => a.verbs.map((v) => `${v} ${a.resource}`)),
      );
      expect(calls).toEqual(expected);
    },
    60_000,
  );

  test('every step of the list is a step of the CLI', () => {
    expect(Object.keys(kubeAccess).filter((s) => !(s in registry))).toEqual([]);
  });
});

describe("each Task's README documents its Kubernetes rights", () => {
  const taskDirs = readdirSync(path.join(root, 'tasks')).filter((d) =>
    existsSync(path.join(root, 'tasks', d, `${d}.yaml`)),
  );
  const withAccess = taskDirs.flatMap((dir) => {
    const [task] = loadDocuments(path.join(root, 'tasks', dir, `${dir}.yaml`)).map(
      (d) => d.value as YamlObject,
    );
    const access = invokedSteps(task as YamlObject).flatMap((s) => kubeAccess[s] ?? []);
    return access.length ? [[dir, access] as const] : [];
  });

  test('the tasks that call the Kubernetes API are known', () => {
    expect(withAccess.map(([dir]) => dir).sort()).toEqual([
      'base-image-check',
      'deploy-canary',
      'deploy-rollback',
      'diagnose-pull',
      'image-verify',
      'registry-retention',
    ]);
  });

  test.each(withAccess)('%s: an RBAC section names every resource and verb', (dir, access) => {
    const readme = readFileSync(path.join(root, 'tasks', dir, 'README.md'), 'utf8');
    const rbac = [...sections(readme)].find(([heading]) => /rbac|permissions/i.test(heading))?.[1] ?? '';
    const missing = access.flatMap((a) =>
      [a.resource, ...a.verbs]
        .filter((word) => !new RegExp(`\\b${word}\\b`).test(rbac))
        .map((w) => `${a.resource}: ${w}`),
    );
    expect(missing).toEqual([]);
  });
});

// The extraction itself, on the three shapes the steps use.
test('kubeCalls reads literal actions, resource-fixed helpers, verb+resource helpers and workload tables', () => {
  const bundle = [
    '// steps/lib/kube/pods.ts',
    'client.call({ verb: "list", resource: "pods", group: "", namespace }, (o) => x);',
    '// steps/lib/kube/routes.ts',
    'var PLURAL = "routes";',
    'var action2 = (verb, name, namespace) => ({',
    '  verb,',
    '  resource: PLURAL,',
    '});',
    'client.call(action2("patch", name, namespace), (o) => x);',
    '// steps/lib/retention/imagestreams.ts',
    'this.client.call(this.action("delete", "imagestreamtags", name), (o) => x);',
    '// steps/lib/retention/in-use-kube.ts',
    '  { kind: "Job", group: "batch", plural: "jobs", podSpec: POD_TEMPLATE },',
    'const action2 = { verb: "list", resource: plural, group };',
  ].join('\n');
  expect(kubeCalls(bundle)).toEqual(['delete imagestreamtags', 'list jobs', 'list pods', 'patch routes']);
});
