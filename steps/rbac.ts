/**
 * The Kubernetes API access each step needs: the verbs on the resources its code calls, and nothing more.
 * install/rbac/ grants exactly these to the `pipeline` ServiceAccount, one Role per step, and each Task's
 * README lists them; test/tekton/rbac.test.ts checks all three against each other and against the calls
 * the step's code makes. Steps not named here call no Kubernetes API.
 */

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface KubeAccess {
  /** API group; "" is the core group. */
  group: string;
  resource: string;
  verbs: readonly Verb[];
  /** Cluster-wide (a ClusterRole) rather than in the run's namespace (a Role). */
  clusterWide?: boolean;
  why: string;
}

export const kubeAccess: Readonly<Record<string, readonly KubeAccess[]>> = {
  verify: [
    {
      group: '',
      resource: 'serviceaccounts',
      verbs: ['get'],
      why: "read the workload's ServiceAccount to find its imagePullSecrets",
    },
    {
      group: '',
      resource: 'secrets',
      verbs: ['get'],
      why: 'read those pull secrets, to check the image with the credentials the kubelet will use',
    },
  ],
  'diagnose-pull': [
    { group: 'apps', resource: 'deployments', verbs: ['get'], why: "find the Deployment's pod selector" },
    {
      group: '',
      resource: 'pods',
      verbs: ['list'],
      why: "read the pods' container statuses (ErrImagePull, ImagePullBackOff)",
    },
    {
      group: '',
      resource: 'events',
      verbs: ['list'],
      why: 'read the pull events: the reason and the pull durations',
    },
  ],
  canary: [
    {
      group: 'apps',
      resource: 'deployments',
      verbs: ['get', 'create', 'update', 'patch'],
      why: 'create the canary Deployment, scale it, promote the stable one, keep the canary state annotation',
    },
    { group: '', resource: 'services', verbs: ['get'], why: "read the stable Service's selector" },
    {
      group: 'route.openshift.io',
      resource: 'routes',
      verbs: ['get', 'patch'],
      why: 'shift traffic by Route weights (TRAFFIC route)',
    },
    {
      group: '',
      resource: 'pods',
      verbs: ['list'],
      why: "watch the canary's pods for readiness, pull failures, crash loops",
    },
    {
      group: '',
      resource: 'events',
      verbs: ['list'],
      why: 'name the reason when a canary pod cannot pull its image',
    },
  ],
  rollback: [
    {
      group: 'apps',
      resource: 'deployments',
      verbs: ['get', 'update', 'patch'],
      why: "restore the stable Deployment's images and scale the canary to 0",
    },
    {
      group: 'apps',
      resource: 'replicasets',
      verbs: ['list'],
      why: 'find the pod template of a revision (MODE revision)',
    },
    {
      group: 'route.openshift.io',
      resource: 'routes',
      verbs: ['get', 'patch'],
      why: 'put all traffic back on the stable Service',
    },
    {
      group: '',
      resource: 'pods',
      verbs: ['list'],
      why: 'stop waiting at once when the rolled-back pods cannot pull their image',
    },
    {
      group: '',
      resource: 'events',
      verbs: ['list'],
      why: 'name the reason when a rolled-back pod cannot pull its image',
    },
  ],
  'base-image-check': [
    {
      group: 'tekton.dev',
      resource: 'pipelineruns',
      verbs: ['create'],
      why: 'start one rebuild PipelineRun per stale image (REBUILD create)',
    },
  ],
  retention: [
    {
      group: 'image.openshift.io',
      resource: 'imagestreams',
      verbs: ['list'],
      why: 'BACKEND imagestreams: list the image streams of the namespace',
    },
    {
      group: 'image.openshift.io',
      resource: 'imagestreamtags',
      verbs: ['get', 'list', 'delete'],
      why: 'BACKEND imagestreams: read and delete the tags the policy lets go',
    },
    {
      group: '',
      resource: 'pods',
      verbs: ['list'],
      clusterWide: true,
      why: 'protect images running anywhere in the cluster',
    },
    {
      group: 'apps',
      resource: 'deployments',
      verbs: ['list'],
      clusterWide: true,
      why: 'protect images a Deployment can start',
    },
    {
      group: 'apps',
      resource: 'replicasets',
      verbs: ['list'],
      clusterWide: true,
      why: 'protect images an old revision can roll back to',
    },
    {
      group: 'apps',
      resource: 'statefulsets',
      verbs: ['list'],
      clusterWide: true,
      why: 'protect images a StatefulSet can start',
    },
    {
      group: 'apps',
      resource: 'daemonsets',
      verbs: ['list'],
      clusterWide: true,
      why: 'protect images a DaemonSet can start',
    },
    {
      group: 'batch',
      resource: 'jobs',
      verbs: ['list'],
      clusterWide: true,
      why: 'protect images a Job can start',
    },
    {
      group: 'batch',
      resource: 'cronjobs',
      verbs: ['list'],
      clusterWide: true,
      why: 'protect images a CronJob can start',
    },
  ],
};
