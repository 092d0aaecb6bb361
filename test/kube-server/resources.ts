/** The resources the test server serves, with what discovery, routing, storage and errors need to know. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  subresources: Array<'status' | 'scale'>;
  /** metadata.generation counts spec changes (workloads, routes, image streams). */
  tracksGeneration: boolean;
  verbs: string[];
  /** Field selector labels beyond metadata.name and metadata.namespace. */
  fieldLabels: string[];
  /** Derived from another resource rather than stored (image stream tags). */
  virtual?: boolean;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resource(
  group: string,
  version: string,
  kind: string,
  plural: string,
  options: Partial<Omit<ResourceType, 'group' | 'version' | 'kind' | 'plural'>> = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    subresources: [],
    tracksGeneration: false,
    verbs: ALL_VERBS,
    fieldLabels: [],
    ...options,
  };
}

const workload = { subresources: ['status', 'scale'] as Array<'status' | 'scale'>, tracksGeneration: true };

export const RESOURCES: ResourceType[] = [
  resource('', 'v1', 'Namespace', 'namespaces', {
    namespaced: false,
    shortNames: ['ns'],
    subresources: ['status'],
    fieldLabels: ['status.phase'],
  }),
  resource('', 'v1', 'Pod', 'pods', {
    shortNames: ['po'],
    subresources: ['status'],
    fieldLabels: [
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'status.phase',
      'status.podIP',
    ],
  }),
  resource('', 'v1', 'Event', 'events', {
    shortNames: ['ev'],
    fieldLabels: [
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'involvedObject.apiVersion',
      'involvedObject.resourceVersion',
      'involvedObject.fieldPath',
      'reason',
      'reportingComponent',
      'source',
      'type',
    ],
  }),
  resource('', 'v1', 'Service', 'services', { shortNames: ['svc'], subresources: ['status'] }),
  resource('', 'v1', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'] }),
  resource('', 'v1', 'Secret', 'secrets', { fieldLabels: ['type'] }),
  resource('', 'v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
  resource('apps', 'v1', 'Deployment', 'deployments', { ...workload, shortNames: ['deploy'] }),
  resource('apps', 'v1', 'ReplicaSet', 'replicasets', {
    ...workload,
    shortNames: ['rs'],
    fieldLabels: ['status.replicas'],
  }),
  resource('apps', 'v1', 'StatefulSet', 'statefulsets', { ...workload, shortNames: ['sts'] }),
  resource('apps', 'v1', 'DaemonSet', 'daemonsets', {
    subresources: ['status'],
    tracksGeneration: true,
    shortNames: ['ds'],
  }),
  resource('batch', 'v1', 'Job', 'jobs', {
    subresources: ['status'],
    tracksGeneration: true,
    fieldLabels: ['status.successful'],
  }),
  resource('batch', 'v1', 'CronJob', 'cronjobs', {
    subresources: ['status'],
    tracksGeneration: true,
    shortNames: ['cj'],
  }),
  resource('route.openshift.io', 'v1', 'Route', 'routes', {
    subresources: ['status'],
    tracksGeneration: true,
    fieldLabels: ['spec.host', 'spec.path', 'spec.to.name'],
  }),
  resource('image.openshift.io', 'v1', 'ImageStream', 'imagestreams', {
    subresources: ['status'],
    tracksGeneration: true,
    shortNames: ['is'],
  }),
  resource('image.openshift.io', 'v1', 'Image', 'images', { namespaced: false }),
  resource('image.openshift.io', 'v1', 'ImageStreamTag', 'imagestreamtags', {
    shortNames: ['istag'],
    virtual: true,
    verbs: ['create', 'delete', 'get', 'list', 'update'],
  }),
  resource('tekton.dev', 'v1', 'PipelineRun', 'pipelineruns', {
    subresources: ['status'],
    shortNames: ['pr'],
  }),
];

export function apiVersionOf(r: Pick<ResourceType, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function resourceByKind(kind: string): ResourceType {
  const found = RESOURCES.find((r) => r.kind === kind);
  if (!found) throw new Error(`no resource of kind ${kind}`);
  return found;
}

/** Event's `source` label means the reporting component. */
const FIELD_ALIASES: Record<string, string> = { source: 'source.component' };

/** The value of a field selector label on an object; absent fields read as "". */
export function fieldValue(object: unknown, field: string): string {
  let node: unknown = object;
  for (const part of (FIELD_ALIASES[field] ?? field).split('.')) {
    if (typeof node !== 'object' || node === null) return '';
    node = (node as Record<string, unknown>)[part];
  }
  return node === undefined || node === null ? '' : String(node);
}
