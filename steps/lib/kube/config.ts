import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '../errors.js';

export { kubeFlags } from './flags.js';

export interface KubeConfigInput {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** Where configuration is looked for; tests point it at temporary files. */
export interface KubeEnvironment {
  env: NodeJS.ProcessEnv;
  home: string;
  /** Prepended to /var/run/secrets/kubernetes.io/serviceaccount (client-node's pathPrefix). */
  serviceAccountRoot: string;
}

export interface LoadedKubeConfig {
  config: KubeConfig;
  namespace: string;
  /** Where the configuration came from, for logs: `kubeconfig /x (context admin)` or `in-cluster service account`. */
  source: string;
  server: string;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function defaultEnvironment(): KubeEnvironment {
  return { env: process.env, home: homedir(), serviceAccountRoot: '' };
}

function readKubeconfigs(files: string[], label: string): KubeConfig {
  const config = new KubeConfig();
  files.forEach((file, i) => {
    if (!existsSync(file)) throw new UsageError(`${label} "${file}" does not exist`);
    const kc = i === 0 ? config : new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (err) {
      throw new UsageError(
        `${label} "${file}" is not a valid kubeconfig: ${(err as Error).message.split('\n')[0]}`,
      );
    }
    if (i > 0) mergeMissing(config, kc);
  });
  return config;
}

/**
 * What client-node's loadFromCluster builds, from the given environment rather than process.env. The token
 * is read from its file on every request, so a rotated projected token keeps working.
 */
function inClusterConfig(env: NodeJS.ProcessEnv, saDir: string, namespace: string | undefined): KubeConfig {
  const host = env.KUBERNETES_SERVICE_HOST as string;
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'inCluster', server, caFile: join(saDir, 'ca.crt'), skipTLSVerify: false }],
    users: [
      {
        name: 'inClusterUser',
        authProvider: { name: 'tokenFile', config: { tokenFile: join(saDir, 'token') } },
      },
    ],
    contexts: [
      {
        name: 'inClusterContext',
        cluster: 'inCluster',
        user: 'inClusterUser',
        ...(namespace ? { namespace } : {}),
      },
    ],
    currentContext: 'inClusterContext',
  });
  return config;
}

/** Like kubectl, the first file to define a name (or a current context) wins; later files only add. */
function mergeMissing(into: KubeConfig, from: KubeConfig): void {
  for (const cluster of from.clusters)
    if (!into.clusters.some((c) => c.name === cluster.name)) into.addCluster(cluster);
  for (const user of from.users) if (!into.users.some((u) => u.name === user.name)) into.addUser(user);
  for (const context of from.contexts)
    if (!into.contexts.some((c) => c.name === context.name)) into.addContext(context);
  if (!into.currentContext && from.currentContext) into.setCurrentContext(from.currentContext);
}

/**
 * Finds the cluster the way kubectl does: --kubeconfig, else $KUBECONFIG (a list, merged), else
 * ~/.kube/config, else the pod's service account. --context picks a context; the namespace is --namespace,
 * else the context's, else the pod's, else `default`. Anything missing or malformed is a usage error.
 */
export function loadKubeConfig(
  input: KubeConfigInput = {},
  environment: KubeEnvironment = defaultEnvironment(),
): LoadedKubeConfig {
  const saDir = environment.serviceAccountRoot + SERVICE_ACCOUNT_DIR;
  let config: KubeConfig;
  let source: string;
  let podNamespace: string | undefined;
  const listed = (environment.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  const homeConfig = join(environment.home, '.kube', 'config');
  if (input.kubeconfig) {
    config = readKubeconfigs([input.kubeconfig], '--kubeconfig');
    source = `kubeconfig ${input.kubeconfig}`;
  } else if (listed.length > 0) {
    const present = listed.filter((f) => existsSync(f));
    if (present.length === 0)
      throw new UsageError(`KUBECONFIG names no existing file (${listed.join(delimiter)})`);
    config = readKubeconfigs(present, 'KUBECONFIG file');
    source = `kubeconfig ${present.join(delimiter)}`;
  } else if (existsSync(homeConfig)) {
    config = readKubeconfigs([homeConfig], 'kubeconfig');
    source = `kubeconfig ${homeConfig}`;
  } else if (environment.env.KUBERNETES_SERVICE_HOST && existsSync(join(saDir, 'token'))) {
    const nsFile = join(saDir, 'namespace');
    if (existsSync(nsFile)) podNamespace = readFileSync(nsFile, 'utf8').trim() || undefined;
    config = inClusterConfig(environment.env, saDir, podNamespace);
    source = 'in-cluster service account';
  } else {
    throw new UsageError(
      'no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, or run in a pod with a service account',
    );
  }

  if (input.context) {
    if (!config.getContextObject(input.context)) {
      const known = config.getContexts().map((c) => c.name);
      throw new UsageError(
        `--context "${input.context}" is not in the ${source} (contexts: ${known.join(', ') || 'none'})`,
      );
    }
    config.setCurrentContext(input.context);
  }
  const contextName = config.getCurrentContext();
  const context = config.getContextObject(contextName);
  if (!context) throw new UsageError(`the ${source} has no current context; pass --context`);
  const cluster = config.getCurrentCluster();
  if (!cluster)
    throw new UsageError(
      `context "${contextName}" in the ${source} names cluster "${context.cluster}", which it does not define`,
    );

  // client-node copies the in-cluster namespace file untrimmed into the context.
  const contextNamespace = context.namespace?.trim();
  const [namespace, origin] = input.namespace
    ? [input.namespace, '--namespace']
    : contextNamespace
      ? [contextNamespace, `the namespace of context "${contextName}"`]
      : [podNamespace ?? 'default', 'the namespace'];
  if (!NAMESPACE_NAME.test(namespace) || namespace.length > 63) {
    throw new UsageError(
      `${origin} "${namespace}" is not a valid namespace name (lowercase letters, digits and '-', at most 63)`,
    );
  }
  const label = source === 'in-cluster service account' ? source : `${source} (context ${contextName})`;
  return { config, namespace, source: label, server: cluster.server };
}
