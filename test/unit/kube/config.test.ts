import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { UsageError } from '../../../steps/lib/errors.js';
import { kubeFlags, loadKubeConfig, type KubeEnvironment } from '../../../steps/lib/kube/config.js';
import { parseFlags } from '../../../steps/lib/tekton/args.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dirs.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir('kubeconfig-test');
});
afterEach(() => removeTempDir(dir));

function kubeconfig(
  file: string,
  contexts: Array<{ name: string; namespace?: string; server?: string }>,
  current?: string,
): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    yaml.dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: contexts.map((c) => ({
        name: `cluster-${c.name}`,
        cluster: { server: c.server ?? `https://${c.name}.example:6443` },
      })),
      users: contexts.map((c) => ({ name: `user-${c.name}`, user: { token: `token-${c.name}` } })),
      contexts: contexts.map((c) => ({
        name: c.name,
        context: {
          cluster: `cluster-${c.name}`,
          user: `user-${c.name}`,
          ...(c.namespace ? { namespace: c.namespace } : {}),
        },
      })),
      ...(current ? { 'current-context': current } : {}),
    }),
  );
  return path;
}

const env = (vars: NodeJS.ProcessEnv = {}, serviceAccountRoot = join(dir, 'no-sa')): KubeEnvironment => ({
  env: vars,
  home: join(dir, 'home'),
  serviceAccountRoot,
});

describe('finding the cluster', () => {
  test('--kubeconfig wins, with its current context and namespace', () => {
    const file = kubeconfig('a.yaml', [{ name: 'dev', namespace: 'shop' }], 'dev');
    const loaded = loadKubeConfig({ kubeconfig: file }, env({ KUBECONFIG: '/nonexistent' }));
    expect(loaded).toMatchObject({
      namespace: 'shop',
      server: 'https://dev.example:6443',
      source: `kubeconfig ${file} (context dev)`,
    });
  });

  test('--context picks another context; --namespace overrides the context namespace', () => {
    const file = kubeconfig(
      'a.yaml',
      [
        { name: 'dev', namespace: 'shop' },
        { name: 'prod', namespace: 'live' },
      ],
      'dev',
    );
    expect(loadKubeConfig({ kubeconfig: file, context: 'prod' }, env())).toMatchObject({
      namespace: 'live',
      server: 'https://prod.example:6443',
    });
    expect(loadKubeConfig({ kubeconfig: file, context: 'prod', namespace: 'other' }, env()).namespace).toBe(
      'other',
    );
  });

  test('KUBECONFIG lists files; the first to define a name or a current context wins', () => {
    const first = kubeconfig('1.yaml', [{ name: 'dev', server: 'https://first:6443' }], 'dev');
    const second = kubeconfig(
      '2.yaml',
      [{ name: 'dev', server: 'https://second:6443' }, { name: 'prod' }],
      'prod',
    );
    const loaded = loadKubeConfig({}, env({ KUBECONFIG: `${first}:${join(dir, 'missing.yaml')}:${second}` }));
    expect(loaded.server).toBe('https://first:6443');
    expect(loadKubeConfig({ context: 'prod' }, env({ KUBECONFIG: `${first}:${second}` })).server).toBe(
      'https://prod.example:6443',
    );
    expect(loaded.namespace).toBe('default');
  });

  test('~/.kube/config is used when nothing else is set', () => {
    mkdirSync(join(dir, 'home', '.kube'), { recursive: true });
    const file = kubeconfig(join('home', '.kube', 'config'), [{ name: 'home' }], 'home');
    expect(loadKubeConfig({}, env()).source).toBe(`kubeconfig ${file} (context home)`);
  });

  test("in a pod, the service account's token, CA and namespace", () => {
    const root = join(dir, 'root');
    const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'sa-token');
    writeFileSync(join(sa, 'ca.crt'), '');
    writeFileSync(join(sa, 'namespace'), 'pipelines\n');
    const loaded = loadKubeConfig(
      {},
      env({ KUBERNETES_SERVICE_HOST: '172.30.0.1', KUBERNETES_SERVICE_PORT: '443' }, root),
    );
    expect(loaded).toMatchObject({
      namespace: 'pipelines',
      server: 'https://172.30.0.1:443',
      source: 'in-cluster service account',
    });
  });

  test.each([
    [
      {},
      {},
      'no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, or run in a pod with a service account',
    ],
    [{ kubeconfig: '/nope/config' }, {}, '--kubeconfig "/nope/config" does not exist'],
    [{}, { KUBECONFIG: '/nope/a:/nope/b' }, 'KUBECONFIG names no existing file (/nope/a:/nope/b)'],
  ])('missing configuration is a usage error (%#)', (input, vars, message) => {
    expect(() => loadKubeConfig(input, env(vars))).toThrow(new UsageError(message));
  });

  test('an unknown context lists the known ones; a bad namespace is refused', () => {
    const file = kubeconfig('a.yaml', [{ name: 'dev' }, { name: 'prod' }], 'dev');
    expect(() => loadKubeConfig({ kubeconfig: file, context: 'qa' }, env())).toThrow(
      `--context "qa" is not in the kubeconfig ${file} (contexts: dev, prod)`,
    );
    expect(() => loadKubeConfig({ kubeconfig: file, namespace: 'Not_Valid' }, env())).toThrow(
      /--namespace "Not_Valid" is not a valid namespace name/,
    );
  });

  test('a kubeconfig that is not YAML, or has no current context, is a usage error', () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'clusters: [unclosed');
    expect(() => loadKubeConfig({ kubeconfig: broken }, env())).toThrow(UsageError);
    const noCurrent = kubeconfig('none.yaml', [{ name: 'dev' }]);
    expect(() => loadKubeConfig({ kubeconfig: noCurrent }, env())).toThrow(
      /has no current context; pass --context/,
    );
  });

  test('kubeFlags parse as ordinary step flags', () => {
    const flags = parseFlags('demo', kubeFlags, ['--kubeconfig', '/k', '--context', 'c', '--namespace', 'n']);
    expect(flags).toEqual({ kubeconfig: '/k', context: 'c', namespace: 'n' });
  });
});
