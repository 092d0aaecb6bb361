import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadAll } from 'js-yaml';

/** One document of a YAML file; index counts from 1, as the validator's messages do. */
export interface YamlDocument {
  file: string;
  index: number;
  value: unknown;
}

export type YamlObject = Record<string, unknown>;

export function isObject(value: unknown): value is YamlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objects(value: unknown): YamlObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map((v) => String(v)) : [];
}

/** "Kind/name" of a Kubernetes object, for messages. */
export function describeObject(value: unknown): string {
  if (!isObject(value)) return 'document';
  const metadata = isObject(value.metadata) ? value.metadata : {};
  return `${String(value.kind ?? '?')}/${String(metadata.name ?? metadata.generateName ?? '?')}`;
}

/**
 * The YAML files under the given files and directories, in a stable order, kustomization files left out
 * (the same selection test/tekton/run-harness.mjs makes).
 */
export function yamlFiles(paths: string[]): string[] {
  return paths.flatMap((p) => {
    if (!statSync(p, { throwIfNoEntry: false })) return [];
    if (!statSync(p).isDirectory()) return [p];
    return readdirSync(p, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((entry) => {
        const full = path.join(p, entry.name);
        if (entry.isDirectory()) return yamlFiles([full]);
        return /\.ya?ml$/.test(entry.name) && !/^kustomization\.ya?ml$/.test(entry.name) ? [full] : [];
      });
  });
}

export function loadDocuments(file: string): YamlDocument[] {
  return loadAll(readFileSync(file, 'utf8'), null, { filename: file })
    .map((value, i) => ({ file, index: i + 1, value }))
    .filter((doc) => doc.value !== null && doc.value !== undefined);
}
