/**
 * Strategic-merge metadata: which lists merge by which key. The real server reads it from the Go struct
 * tags (patchStrategy/patchMergeKey) of each built-in type; this table carries the same facts for the
 * fields our resources have. Lists not described here are replaced whole, as for untagged Go fields.
 */
export interface MergeSchema {
  fields?: Record<string, MergeSchema>;
  /** A list of objects merged element by element on this key. */
  mergeKey?: string;
  /** A list of scalars merged as a set (e.g. metadata.finalizers). */
  mergeScalars?: boolean;
  /** Schema of each element of a list. */
  items?: MergeSchema;
}

const byKey = (mergeKey: string, items?: MergeSchema): MergeSchema =>
  items ? { mergeKey, items } : { mergeKey };

const container: MergeSchema = {
  fields: {
    env: byKey('name'),
    ports: byKey('containerPort'),
    volumeMounts: byKey('mountPath'),
    volumeDevices: byKey('devicePath'),
    resizePolicy: byKey('resourceName'),
  },
};

const podSpec: MergeSchema = {
  fields: {
    containers: byKey('name', container),
    initContainers: byKey('name', container),
    ephemeralContainers: byKey('name', container),
    volumes: byKey('name'),
    imagePullSecrets: byKey('name'),
    hostAliases: byKey('ip'),
    topologySpreadConstraints: byKey('topologyKey'),
    resourceClaims: byKey('name'),
    schedulingGates: byKey('name'),
  },
};

const objectMeta: MergeSchema = {
  fields: { finalizers: { mergeScalars: true }, ownerReferences: byKey('uid') },
};
const conditions = byKey('type');
const podTemplate: MergeSchema = { fields: { metadata: objectMeta, spec: podSpec } };
const workload: MergeSchema = {
  fields: {
    metadata: objectMeta,
    spec: { fields: { template: podTemplate } },
    status: { fields: { conditions } },
  },
};

const schemas: Record<string, MergeSchema> = {
  Deployment: workload,
  ReplicaSet: workload,
  StatefulSet: workload,
  DaemonSet: workload,
  Job: workload,
  CronJob: {
    fields: {
      metadata: objectMeta,
      spec: { fields: { jobTemplate: { fields: { spec: { fields: { template: podTemplate } } } } } },
    },
  },
  Pod: {
    fields: {
      metadata: objectMeta,
      spec: podSpec,
      status: {
        fields: { conditions, containerStatuses: byKey('name'), initContainerStatuses: byKey('name') },
      },
    },
  },
  Service: { fields: { metadata: objectMeta, spec: { fields: { ports: byKey('port') } } } },
  ServiceAccount: { fields: { metadata: objectMeta, secrets: byKey('name') } },
  Namespace: { fields: { metadata: objectMeta, spec: { fields: { finalizers: { mergeScalars: true } } } } },
  ImageStream: {
    fields: {
      metadata: objectMeta,
      spec: { fields: { tags: byKey('name') } },
      status: { fields: { tags: byKey('tag') } },
    },
  },
};

export function mergeSchemaFor(kind: string): MergeSchema {
  return schemas[kind] ?? { fields: { metadata: objectMeta } };
}
