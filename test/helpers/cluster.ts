import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig, RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import { KubeClient, loadKubeConfig, type KubeClientOptions } from '../../steps/lib/kube/index.js';
import { startKubeServer, type KubeServer, type KubeServerOptions } from '../kube-server/server.js';
import { eventually } from './eventually.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';

/**
 * The cluster integration tests run against: the in-repo test API server by default, or the real cluster
 * KUBECONFIG points at when E2E_CLUSTER=1. Decided once, at load time, so each suite can choose its test
 * list when it is defined.
 */
export type ClusterKind = 'test-server' | 'real';

export const clusterKind: ClusterKind = process.env.E2E_CLUSTER === '1' ? 'real' : 'test-server';
/** A real cluster that also serves route.openshift.io and image.openshift.io (E2E_OPENSHIFT=1). */
export const clusterIsOpenShift = clusterKind === 'test-server' || process.env.E2E_OPENSHIFT === '1';

export interface TestCluster {
  kind: ClusterKind;
  /** A fresh namespace for the suite, deleted by stop(). */
  namespace: string;
  /** A kubeconfig file with full access, its context set to the suite's namespace. */
  kubeconfigPath: string;
  /** The test server, for scripting its kubelet; undefined on a real cluster. */
  server?: KubeServer;
  /** A client of the access layer with full access, retrying briefly. */
  client(options?: KubeClientOptions): KubeClient;
  /** A kubeconfig file for an identity allowed only these rules in the suite's namespace. */
  restrictedKubeconfig(name: string, rules: V1PolicyRule[]): Promise<string>;
  stop(): Promise<void>;
}

const FAST_RETRY = { retries: 1, minDelayMs: 20, maxDelayMs: 50 };

/**
 * Registers a group of tests that need the test server's scripted controllers and kubelet. On a real
 * cluster they are not defined at all (so they can never count as passed) and the reason is printed.
 */
export function onTestServer(reason: string, define: () => void): void {
  if (clusterKind === 'test-server') {
    define();
    return;
  }
  process.stderr.write(
    `[kube e2e] not run against the real cluster: ${reason} (they need the test server's scripted kubelet and controllers)\n`,
  );
}

/** Like onTestServer, for tests that need OpenShift's Route and ImageStream APIs. */
export function onOpenShift(reason: string, define: () => void): void {
  if (clusterIsOpenShift) {
    define();
    return;
  }
  process.stderr.write(
    `[kube e2e] not run: ${reason} (the cluster is not OpenShift; set E2E_OPENSHIFT=1 if it is)\n`,
  );
}

function suiteNamespace(): string {
  return `kt-${randomBytes(4).toString('hex')}`;
}

export async function startTestCluster(options: KubeServerOptions = {}): Promise<TestCluster> {
  return clusterKind === 'real' ? connectRealCluster() : startServerCluster(options);
}

async function startServerCluster(options: KubeServerOptions): Promise<TestCluster> {
  const namespace = suiteNamespace();
  const server = await startKubeServer({
    tickMs: 20,
    ...options,
    namespaces: [namespace, ...(options.namespaces ?? [])],
  });
  const dir = makeTempDir('kube-cluster');
  const kubeconfigPath = join(dir, 'kubeconfig');
  server.writeKubeconfig(kubeconfigPath, { namespace });
  return {
    kind: 'test-server',
    namespace,
    kubeconfigPath,
    server,
    client: (clientOptions = {}) =>
      new KubeClient(loadKubeConfig({ kubeconfig: kubeconfigPath }), { retry: FAST_RETRY, ...clientOptions }),
    async restrictedKubeconfig(name, rules) {
      server.addUser(
        name,
        rules.map((r) => ({
          verbs: r.verbs,
          resources: r.resources ?? [],
          apiGroups: r.apiGroups ?? [''],
          namespaces: [namespace],
        })),
      );
      const path = join(dir, `kubeconfig-${name}`);
      server.writeKubeconfig(path, { user: name, namespace });
      return path;
    },
    async stop() {
      await server.stop();
      removeTempDir(dir);
    },
  };
}

async function connectRealCluster(): Promise<TestCluster> {
  if (!process.env.KUBECONFIG)
    throw new Error('E2E_CLUSTER=1 needs KUBECONFIG pointing at the cluster to test against');
  const loaded = loadKubeConfig({});
  const admin = new KubeClient(loaded, { retry: FAST_RETRY });
  const namespace = suiteNamespace();
  await admin.core.createNamespace({
    body: { metadata: { name: namespace, labels: { 'image-lifecycle.test/suite': 'kube' } } },
  });
  // Pods cannot be created until the service-account controller has made `default`.
  await eventually(`service account default in ${namespace}`, () =>
    admin.core.readNamespacedServiceAccount({ name: 'default', namespace }).then(
      () => true,
      () => undefined,
    ),
  );
  const dir = makeTempDir('kube-cluster');
  const kubeconfigPath = join(dir, 'kubeconfig');
  const config = new KubeConfig();
  config.loadFromString(loaded.config.exportConfig());
  const context = config.getContextObject(config.getCurrentContext());
  if (context) (context as { namespace?: string }).namespace = namespace;
  writeFileSync(kubeconfigPath, config.exportConfig(), { mode: 0o600 });
  const rbac = loaded.config.makeApiClient(RbacAuthorizationV1Api);
  return {
    kind: 'real',
    namespace,
    kubeconfigPath,
    client: (clientOptions = {}) =>
      new KubeClient(loadKubeConfig({ kubeconfig: kubeconfigPath }), { retry: FAST_RETRY, ...clientOptions }),
    async restrictedKubeconfig(name, rules) {
      await admin.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
      await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
      await rbac.createNamespacedRoleBinding({
        namespace,
        body: {
          metadata: { name },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
          subjects: [{ kind: 'ServiceAccount', name, namespace }],
        },
      });
      const token = await admin.core.createNamespacedServiceAccountToken({
        name,
        namespace,
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      });
      const cluster = loaded.config.getCurrentCluster();
      if (!cluster || !token.status?.token) throw new Error(`no token issued for service account ${name}`);
      const restricted = new KubeConfig();
      restricted.loadFromOptions({
        clusters: [cluster],
        users: [{ name, token: token.status.token }],
        contexts: [{ name, cluster: cluster.name, user: name, namespace }],
        currentContext: name,
      });
      const path = join(dir, `kubeconfig-${name}`);
      writeFileSync(path, restricted.exportConfig(), { mode: 0o600 });
      return path;
    },
    async stop() {
      await admin.core.deleteNamespace({ name: namespace });
      removeTempDir(dir);
    },
  };
}
