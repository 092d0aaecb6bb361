import type { StepDefinition } from './lib/tekton/step.js';

type Loader = () => Promise<StepDefinition<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Every step of the CLI, loaded lazily so `image-lifecycle <step>` parses only the code that step needs.
 */
export const steps: Record<string, Loader> = {
  inspect: async () => (await import('./inspect/main.js')).step,
  'compute-tags': async () => (await import('./compute-tags/main.js')).step,
  tag: async () => (await import('./tag/main.js')).step,
  promote: async () => (await import('./promote/main.js')).step,
  build: async () => (await import('./build/main.js')).step,
  notify: async () => (await import('./notify/main.js')).step,
  metrics: async () => (await import('./metrics/main.js')).step,
  'registry-health': async () => (await import('./registry-health/main.js')).step,
  'scan-gate': async () => (await import('./scan-gate/main.js')).step,
  'compliance-report': async () => (await import('./compliance-report/main.js')).step,
  retention: async () => (await import('./retention/main.js')).step,
  backup: async () => (await import('./backup/main.js')).step,
  restore: async () => (await import('./restore/main.js')).step,
  'base-image-check': async () => (await import('./base-image-check/main.js')).step,
  verify: async () => (await import('./verify/main.js')).step,
  'diagnose-pull': async () => (await import('./diagnose-pull/main.js')).step,
  canary: async () => (await import('./canary/main.js')).step,
  rollback: async () => (await import('./rollback/main.js')).step,
  bundle: async () => (await import('./bundle/main.js')).step,
  run: async () => (await import('./run/main.js')).step,
  'pin-images': async () => (await import('./pin-images/main.js')).step,
  'git-clone': async () => (await import('./git-clone/main.js')).step,
};
