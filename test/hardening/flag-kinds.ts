import type { FlagSpec } from '../../steps/lib/tekton/args.js';

/**
 * What a flag's value is, decided from its spec alone (type, choices, valueName) so that steps landing later are
 * classified without anyone listing them; OVERRIDES holds the flags whose valueName says too little.
 */
export type FlagKind =
  | 'boolean'
  | 'choice'
  | 'image-ref'
  | 'git-ref'
  | 'host'
  | 'repository'
  | 'tag'
  | 'tags'
  | 'count'
  | 'duration'
  | 'time'
  | 'url'
  | 'regex'
  | 'glob'
  | 'platform'
  | 'k8s-name'
  | 'selector'
  | 'pair'
  | 'json'
  | 'yaml-or-file'
  | 'sha'
  | 'digest'
  | 'status'
  | 'input-file'
  | 'output-file'
  | 'input-dir'
  | 'output-dir'
  | 'text';

const BY_VALUE_NAME: Record<string, FlagKind> = {
  REF: 'image-ref',
  HOST: 'host',
  REPO: 'repository',
  TAG: 'tag',
  TAGS: 'tags',
  N: 'count',
  DAYS: 'count',
  BYTES: 'count',
  MS: 'count',
  SECONDS: 'count',
  DURATION: 'duration',
  TIME: 'time',
  URL: 'url',
  REGEX: 'regex',
  GLOB: 'glob',
  PLATFORM: 'platform',
  'OS/ARCH': 'platform',
  NS: 'k8s-name',
  SELECTOR: 'selector',
  'KEY=VALUE': 'pair',
  'NAME=VALUE': 'pair',
  'NAME=STATUS': 'pair',
  'NAME=DIR': 'pair',
  '[PLATFORM=]PATH': 'input-file',
  JSON: 'json',
  YAML: 'yaml-or-file',
  SHA: 'sha',
  DIGEST: 'digest',
  STATUS: 'status',
  FILE: 'input-file',
  PATH: 'input-file',
  DIR: 'input-dir',
};

/** Kubernetes object names among the NAME flags. */
const K8S_NAME_FLAGS = new Set([
  'deployment',
  'canary-deployment',
  'route',
  'stable-service',
  'canary-service',
  'container',
  'service-account',
  'namespace',
]);

/** Paths a step writes rather than reads, whatever the flag's valueName says. */
const OUTPUT_PATHS = new Set([
  'results-dir',
  'output-dir',
  'report-dir',
  'report-file',
  'plan-file',
  'pipelinerun-dir',
  'work-dir',
  'storage-root',
  'run-root',
]);

/** `step --flag` whose meaning their spec does not show. */
const OVERRIDES: Record<string, FlagKind> = {
  'compute-tags --ref': 'git-ref',
  'compute-tags --default-branch': 'text',
  'promote --environment': 'tag',
  'compute-tags --environment': 'tag',
  'backup --inventory-file': 'output-file',
  'backup --inventory': 'tag',
  'restore --inventory': 'tag',
  'diagnose-pull --pull-durations-file': 'output-file',
  'build --cache-ttl': 'duration',
  'build --source': 'text',
  'build --containerfile': 'input-file',
  'backup --prefix': 'text',
  'notify --webhook-url-env': 'text',
  'run --pipeline': 'input-file',
  'run --only': 'text',
  'pin-images --path': 'input-file',
  'bundle --path': 'input-file',
  'git-clone --directory': 'output-dir',
  'git-clone --subdirectory': 'text',
};

export function classifyFlag(step: string, name: string, spec: FlagSpec): FlagKind {
  const override = OVERRIDES[`${step} --${name}`];
  if (override) return override;
  if (spec.type === 'boolean') return 'boolean';
  if (spec.choices) return 'choice';
  if (OUTPUT_PATHS.has(name)) return spec.valueName === 'DIR' ? 'output-dir' : 'output-file';
  if (K8S_NAME_FLAGS.has(name)) return 'k8s-name';
  return BY_VALUE_NAME[spec.valueName ?? ''] ?? 'text';
}
