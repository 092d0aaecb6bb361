import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import yaml from 'js-yaml';
import { Api } from './api.js';
import { CLUSTER_ADMIN, Users, type AccessRule, type User } from './auth.js';
import { DeploymentController } from './controllers/deployment.js';
import {
  admitRoutes,
  collectGarbage,
  ensureDefaultServiceAccounts,
  schedulePods,
} from './controllers/housekeeping.js';
import { ImageImporter } from './controllers/image-import.js';
import { ReplicaSetController } from './controllers/replicaset.js';
import { EventRecorder } from './events.js';
import { handle } from './http/handler.js';
import { WatchRegistry } from './http/watch.js';
import { ImageStreamTags } from './imagestreamtags.js';
import { Kubelet, type BackOff } from './kubelet/kubelet.js';
import { ImagePuller } from './kubelet/puller.js';
import type { ContainerScript } from './kubelet/scripts.js';
import { AddressPool } from './names.js';
import { resourceByKind } from './resources.js';
import { Store } from './store.js';

export interface KubeServerOptions {
  /** 0 (the default) picks a free port. The server listens on 127.0.0.1 only. */
  port?: number;
  /** How often the controllers and the kubelet run. Small in tests, so rollouts take milliseconds. */
  tickMs?: number;
  nodeName?: string;
  imagePullBackOff?: BackOff;
  crashLoopBackOff?: BackOff;
  probePeriodMs?: number;
  /** Registries the node and the importer may reach (default: 127.0.0.1 and localhost on any port). */
  reachableRegistry?: (registry: string) => boolean;
  /** Namespaces that exist from the start, besides `default`. */
  namespaces?: string[];
  /** One line per API request and per controller failure; silent by default. */
  log?: (line: string) => void;
}

export interface KubeconfigOptions {
  /** The user of the current context (default `admin`); every user gets a context named after it. */
  user?: string;
  namespace?: string;
}

export interface KubeServer {
  readonly url: string;
  readonly store: Store;
  readonly api: Api;
  readonly kubelet: Kubelet;
  readonly admin: User;
  /** A user whose bearer token (random unless given) is allowed exactly these rules. */
  addUser(name: string, rules: AccessRule[], token?: string): User;
  /** A kubeconfig (YAML) pointing at this server. */
  kubeconfig(options?: KubeconfigOptions): string;
  writeKubeconfig(path: string, options?: KubeconfigOptions): void;
  /** Scripts container behaviour in the kubelet; returns a function that removes the script. */
  script(script: ContainerScript): () => void;
  stop(): Promise<void>;
}

const LOCAL_REGISTRY = /^(127\.0\.0\.1|localhost)(:\d+)?$/;

/**
 * Starts the test API server: the Kubernetes HTTP API for the resources the steps use, with a deployment
 * and ReplicaSet controller, a scheduler, a garbage collector, an OpenShift router and image importer, and
 * a kubelet that pulls from the real test registry. It stops with stop(), and with the process.
 */
export async function startKubeServer(options: KubeServerOptions = {}): Promise<KubeServer> {
  const store = new Store();
  const api = new Api(store, {
    serviceAddresses: new AddressPool('172.30'),
    routeDomain: 'apps.kube-server.test',
    internalRegistry: 'image-registry.openshift-image-registry.svc:5000',
  });
  api.registerVirtual(resourceByKind('ImageStreamTag'), new ImageStreamTags(store, api));
  const users = new Users();
  const admin = users.add('admin', CLUSTER_ADMIN);
  const watches = new WatchRegistry();
  const events = new EventRecorder(api);
  const nodeName = options.nodeName ?? 'kube-server-node';
  const puller = new ImagePuller({ reachable: options.reachableRegistry ?? ((r) => LOCAL_REGISTRY.test(r)) });
  const kubelet = new Kubelet(api, events, {
    nodeName,
    nodeIP: '192.168.126.11',
    puller,
    imagePullBackOff: options.imagePullBackOff ?? { initialMs: 1000, maxMs: 10_000 },
    crashLoopBackOff: options.crashLoopBackOff ?? { initialMs: 1000, maxMs: 10_000 },
    probePeriodMs: options.probePeriodMs ?? 1000,
  });
  const deployments = new DeploymentController(api, events);
  const replicasets = new ReplicaSetController(api, events);
  const importer = new ImageImporter(api, puller);

  for (const name of ['default', ...(options.namespaces ?? [])]) {
    api.create(resourceByKind('Namespace'), undefined, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  }

  const log = options.log;
  let address = '';
  const server: Server = createServer((req, res) => {
    void handle({ api, users, watches, serverAddress: () => address, log }, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `http://${address}`;

  const tickMs = options.tickMs ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = () => {
    for (const step of [
      () => ensureDefaultServiceAccounts(api),
      () => collectGarbage(api),
      () => deployments.syncAll(),
      () => replicasets.syncAll(),
      () => schedulePods(api, events, nodeName),
      () => kubelet.sync(),
      () => importer.sync(),
      () => admitRoutes(api),
    ]) {
      try {
        step();
      } catch (err) {
        log?.(`controller error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    }
    if (!stopped) timer = setTimeout(tick, tickMs).unref();
  };
  tick();

  const closeNow = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    watches.closeAll();
    server.close();
    server.closeAllConnections();
  };
  process.once('exit', closeNow);

  const kubeconfig = (opts: KubeconfigOptions = {}) => {
    const all = users.all();
    const current = opts.user ?? 'admin';
    if (!all.some((u) => u.name === current)) throw new Error(`kube-server: no user named ${current}`);
    return yaml.dump({
      apiVersion: 'v1',
      kind: 'Config',
      // client-node refuses plain HTTP unless TLS verification is marked off; there is no TLS to verify.
      clusters: [{ name: 'kube-server', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: all.map((u) => ({ name: u.name, user: { token: u.token } })),
      contexts: all.map((u) => ({
        name: u.name,
        context: { cluster: 'kube-server', user: u.name, namespace: opts.namespace ?? 'default' },
      })),
      'current-context': current,
    });
  };

  return {
    url,
    store,
    api,
    kubelet,
    admin,
    addUser: (name, rules, token) => users.add(name, rules, token),
    kubeconfig,
    writeKubeconfig: (path, opts) => writeFileSync(path, kubeconfig(opts), { mode: 0o600 }),
    script: (script) => kubelet.script(script),
    async stop() {
      if (stopped) return;
      closeNow();
      process.off('exit', closeNow);
      await Promise.all([kubelet.idle(), importer.idle()]);
    },
  };
}
