import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UsageError } from '../errors.js';
import { loadYamlAll } from '../config/load.js';

/** One Kubernetes object of the library's YAML, as written in its file. */
export interface LibraryObject {
  /** Path of the file, relative to the directory the search started from. */
  file: string;
  /** Position of the document in its file, from 1. */
  index: number;
  apiVersion: string;
  kind: string;
  name: string;
  object: Record<string, unknown>;
}

const YAML_FILE = /\.ya?ml$/;
const KUSTOMIZATION = /^kustomization\.ya?ml$/;

/** YAML files under the given files or directories, in a stable order, kustomization files left out. */
export function yamlFilesUnder(paths: string[]): string[] {
  return paths.flatMap((p) => {
    const stat = statSync(p, { throwIfNoEntry: false });
    if (!stat) throw new UsageError(`${p}: no such file or directory`);
    if (!stat.isDirectory()) return [p];
    return readdirSync(p, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((entry) => {
        const full = join(p, entry.name);
        if (entry.isDirectory()) return yamlFilesUnder([full]);
        return YAML_FILE.test(entry.name) && !KUSTOMIZATION.test(entry.name) ? [full] : [];
      });
  });
}

export function parseYamlDocuments(text: string, source: string): unknown[] {
  try {
    return loadYamlAll(text, { filename: source }).filter((d) => d !== null && d !== undefined);
  } catch (err) {
    throw new UsageError(`${source}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every object of the YAML files under `paths`; `base` is what file names are relative to. */
export function loadLibrary(paths: string[], base = process.cwd()): LibraryObject[] {
  return yamlFilesUnder(paths).flatMap((path) => {
    const file = relative(base, path) || path;
    return parseYamlDocuments(readFileSync(path, 'utf8'), file).flatMap((doc, i) => {
      if (!isRecord(doc)) return [];
      const metadata = isRecord(doc.metadata) ? doc.metadata : {};
      return [
        {
          file,
          index: i + 1,
          apiVersion: String(doc.apiVersion ?? ''),
          kind: String(doc.kind ?? ''),
          name: String(metadata.name ?? metadata.generateName ?? ''),
          object: doc,
        },
      ];
    });
  });
}

/** The Tasks and Pipelines among them: what a Tekton bundle may hold. */
export function isBundleable(o: LibraryObject): boolean {
  return o.apiVersion.startsWith('tekton.dev/') && (o.kind === 'Task' || o.kind === 'Pipeline');
}
