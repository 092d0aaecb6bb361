import type { FlagSpecs } from '../tekton/args.js';

// Kept apart from the client so that a step's flags (and so its --help) do not load @kubernetes/client-node.

/** Flags every step that talks to Kubernetes accepts; spread them into the step's flags. */
export const kubeFlags = {
  kubeconfig: {
    type: 'string',
    description: "Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or the pod's service account)",
    valueName: 'FILE',
  },
  context: {
    type: 'string',
    description: "Kubeconfig context (default: the kubeconfig's current context)",
    valueName: 'NAME',
  },
  namespace: {
    type: 'string',
    description: "Namespace (default: the context's, or the pod's own)",
    valueName: 'NS',
  },
} as const satisfies FlagSpecs;
