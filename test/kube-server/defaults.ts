import type {
  Container,
  Deployment,
  ImageStream,
  KubeObject,
  Pod,
  PodSpec,
  PodTemplate,
  Route,
  Secret,
} from './model.js';
import type { AddressPool } from './names.js';

export interface DefaultingContext {
  serviceAddresses: AddressPool;
  /** The wildcard domain of the scripted router, for Routes without a host. */
  routeDomain: string;
  /** Where the integrated registry would serve an image stream. */
  internalRegistry: string;
}

/** Always for `:latest` or untagged images, IfNotPresent otherwise: the kubelet's pull decision hangs on it. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon < 0 || image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Container): void {
  c.imagePullPolicy ??= defaultPullPolicy(c.image ?? '');
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
}

export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) defaultContainer(c);
}

function defaultTemplate(template: PodTemplate | undefined): void {
  if (template?.spec) defaultPodSpec(template.spec);
}

type Defaulter = (object: KubeObject, ctx: DefaultingContext) => void;

/** Field defaults applied on every create and update, as the real API's SetDefaults_* functions do. */
const defaulters: Record<string, Defaulter> = {
  Deployment(object) {
    const d = object as Deployment;
    d.spec ??= {} as Deployment['spec'];
    d.spec.replicas ??= 1;
    d.spec.strategy ??= { type: 'RollingUpdate' };
    d.spec.strategy.type ??= 'RollingUpdate';
    if (d.spec.strategy.type === 'RollingUpdate') {
      d.spec.strategy.rollingUpdate ??= {};
      d.spec.strategy.rollingUpdate.maxSurge ??= '25%';
      d.spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    }
    d.spec.revisionHistoryLimit ??= 10;
    d.spec.progressDeadlineSeconds ??= 600;
    defaultTemplate(d.spec.template);
  },
  ReplicaSet(object) {
    const spec = (object.spec ??= {}) as { replicas?: number; template?: PodTemplate };
    spec.replicas ??= 1;
    defaultTemplate(spec.template);
  },
  StatefulSet(object) {
    const spec = (object.spec ??= {}) as { replicas?: number; template?: PodTemplate };
    spec.replicas ??= 1;
    defaultTemplate(spec.template);
  },
  DaemonSet(object) {
    defaultTemplate((object.spec as { template?: PodTemplate } | undefined)?.template);
  },
  Job(object) {
    defaultTemplate((object.spec as { template?: PodTemplate } | undefined)?.template);
  },
  CronJob(object) {
    defaultTemplate(
      (object.spec as { jobTemplate?: { spec?: { template?: PodTemplate } } } | undefined)?.jobTemplate?.spec
        ?.template,
    );
  },
  Pod(object) {
    const pod = object as Pod;
    pod.spec ??= { containers: [] };
    defaultPodSpec(pod.spec);
  },
  Service(object, ctx) {
    const spec = (object.spec ??= {}) as {
      type?: string;
      clusterIP?: string;
      clusterIPs?: string[];
      sessionAffinity?: string;
      ports?: Array<Record<string, unknown>>;
    };
    spec.type ??= 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    if (!spec.clusterIP) spec.clusterIP = ctx.serviceAddresses.allocate();
    spec.clusterIPs ??= [spec.clusterIP];
    for (const port of spec.ports ?? []) {
      port.protocol ??= 'TCP';
      port.targetPort ??= port.port as number;
    }
    object.status ??= { loadBalancer: {} };
  },
  Secret(object) {
    const secret = object as Secret;
    secret.type ??= 'Opaque';
    // stringData is write-only: it lands in data, base64-encoded, and is never stored itself.
    if (secret.stringData) {
      secret.data ??= {};
      for (const [k, v] of Object.entries(secret.stringData))
        secret.data[k] = Buffer.from(v, 'utf8').toString('base64');
      delete secret.stringData;
    }
  },
  Namespace(object) {
    object.spec ??= { finalizers: ['kubernetes'] };
    object.status ??= { phase: 'Active' };
  },
  Route(object, ctx) {
    const route = object as Route;
    route.spec ??= {} as Route['spec'];
    route.spec.to ??= { kind: 'Service', name: '' };
    route.spec.to.kind ??= 'Service';
    route.spec.to.weight ??= 100;
    for (const b of route.spec.alternateBackends ?? []) {
      b.kind ??= 'Service';
      b.weight ??= 100;
    }
    route.spec.wildcardPolicy ??= 'None';
    if (!route.spec.host)
      route.spec.host = `${object.metadata.name}-${object.metadata.namespace}.${ctx.routeDomain}`;
  },
  ImageStream(object, ctx) {
    const stream = object as ImageStream;
    stream.spec ??= {};
    stream.spec.lookupPolicy ??= { local: false };
    // A map inside OpenShift: the v1 list comes out sorted by tag name.
    stream.spec.tags?.sort((a, b) => a.name.localeCompare(b.name));
    for (const tag of stream.spec.tags ?? []) {
      tag.referencePolicy ??= { type: 'Source' };
      tag.importPolicy ??= { importMode: 'Legacy' };
      tag.annotations ??= null;
    }
    stream.status ??= {};
    stream.status.dockerImageRepository = `${ctx.internalRegistry}/${object.metadata.namespace}/${object.metadata.name}`;
  },
};

export function applyDefaults(kind: string, object: KubeObject, ctx: DefaultingContext): void {
  defaulters[kind]?.(object, ctx);
}
