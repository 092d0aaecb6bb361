import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { UsageError } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import { loadYamlAll } from '../config/load.js';

/** What a rebuild template may refer to, as {{NAME}} inside any string value. */
export const PLACEHOLDERS = [
  'IMAGE',
  'IMAGE_REPOSITORY',
  'IMAGE_TAG',
  'IMAGE_DIGEST',
  'BASE_IMAGE',
  'OLD_BASE_DIGEST',
  'NEW_BASE_DIGEST',
] as const;
export type RebuildValues = Record<(typeof PLACEHOLDERS)[number], string>;

const PLACEHOLDER = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;
const API_VERSIONS = ['tekton.dev/v1', 'tekton.dev/v1beta1'];
export const REBUILD_OF = 'image-lifecycle.io/rebuild-of';
export const STALE_BASE = 'image-lifecycle.io/stale-base';

export interface PipelineRunTemplate {
  source: string;
  document: Record<string, unknown>;
}

interface Metadata {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * Reads a PipelineRun template. It must be one tekton.dev PipelineRun with metadata.generateName (one run
 * per stale image, so a fixed name would collide) and only known placeholders.
 */
export function loadTemplate(path: string): PipelineRunTemplate {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--pipelinerun-template ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let docs: unknown[];
  try {
    docs = loadYamlAll(text).filter((d) => d !== null && d !== undefined);
  } catch (err) {
    throw new UsageError(
      `--pipelinerun-template ${path}: not YAML: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const fail = (why: string): never => {
    throw new UsageError(`--pipelinerun-template ${path}: ${why}`);
  };
  if (docs.length !== 1) fail(`holds ${docs.length} documents; give one PipelineRun`);
  const doc = docs[0] as Record<string, unknown>;
  if (typeof doc !== 'object' || Array.isArray(doc)) fail('is not a YAML mapping');
  if (doc.kind !== 'PipelineRun' || !API_VERSIONS.includes(String(doc.apiVersion)))
    fail(`is ${String(doc.apiVersion)} ${String(doc.kind)}, not a tekton.dev/v1 PipelineRun`);
  const metadata = (doc.metadata ?? {}) as Metadata;
  if (metadata.name)
    fail('sets metadata.name; use metadata.generateName, since each stale image gets its own run');
  if (!metadata.generateName) fail('needs metadata.generateName, e.g. rebuild-');
  const unknown = [...text.matchAll(PLACEHOLDER)]
    .map((m) => m[1] as string)
    .filter((n) => !(PLACEHOLDERS as readonly string[]).includes(n));
  if (unknown.length) fail(`unknown placeholder {{${unknown[0]}}}; known: ${PLACEHOLDERS.join(', ')}`);
  return { source: path, document: doc };
}

/**
 * The template with the values put in. Values only ever land inside string scalars of the parsed document
 * (never spliced into YAML text), so an odd image or base name cannot change the run's structure.
 */
export function renderPipelineRun(
  template: PipelineRunTemplate,
  values: RebuildValues,
): Record<string, unknown> {
  const fill = (node: unknown): unknown => {
    if (typeof node === 'string')
      return node.replace(PLACEHOLDER, (_, name: string) => values[name as keyof RebuildValues]);
    if (Array.isArray(node)) return node.map(fill);
    if (node && typeof node === 'object')
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fill(v)]));
    return node;
  };
  const run = fill(template.document) as Record<string, unknown> & { metadata: Metadata };
  run.metadata = {
    ...run.metadata,
    labels: {
      ...run.metadata.labels,
      'app.kubernetes.io/managed-by': 'image-lifecycle',
      'image-lifecycle.io/trigger': 'base-image-check',
    },
    annotations: {
      ...run.metadata.annotations,
      [REBUILD_OF]: values.IMAGE,
      [STALE_BASE]: `${values.BASE_IMAGE}: ${values.OLD_BASE_DIGEST} -> ${values.NEW_BASE_DIGEST}`,
    },
  };
  return run;
}

/** Writes each run as <n>-<image>.yaml; returns the paths. `kubectl create -f DIR` starts them. */
export function writePipelineRuns(dir: string, runs: ReadonlyArray<Record<string, unknown>>): string[] {
  try {
    mkdirSync(dir, { recursive: true });
    return runs.map((run, i) => {
      const image = String((run.metadata as Metadata).annotations?.[REBUILD_OF] ?? 'image');
      const path = join(
        dir,
        `${String(i + 1).padStart(3, '0')}-${image.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 100)}.yaml`,
      );
      writeFileSync(path, yaml.dump(run, { lineWidth: -1, noRefs: true }));
      return path;
    });
  } catch (err) {
    throw new UsageError(
      `--pipelinerun-dir ${dir}: cannot write to it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** Creates the runs through the Kubernetes API; returns namespace/name of each. */
export async function createPipelineRuns(
  kube: KubeClient,
  runs: ReadonlyArray<Record<string, unknown>>,
): Promise<string[]> {
  const created: string[] = [];
  for (const run of runs) {
    const [group, version] = String(run.apiVersion).split('/') as [string, string];
    const namespace = (run.metadata as Metadata).namespace ?? kube.namespace;
    const made = (await kube.call({ verb: 'create', resource: 'pipelineruns', group, namespace }, (o) =>
      kube.custom.createNamespacedCustomObject(
        { group, version, namespace, plural: 'pipelineruns', body: run },
        o,
      ),
    )) as { metadata?: Metadata };
    created.push(`${namespace}/${made.metadata?.name ?? '?'}`);
  }
  return created;
}
