import { isDeepStrictEqual } from 'node:util';
import { UsageError } from '../errors.js';
import { parseYamlDocuments } from './library.js';

/**
 * Finds the container images a YAML file runs and rewrites them to digests in the text itself, so comments
 * and layout survive. Pure: the caller resolves the digests.
 */

const PARAM_ONLY = /^\$\(params\.([A-Za-z0-9_-]+)\)$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Already pinned, or not an image we can resolve (a Tekton variable, a partial substitution). */
export function needsPin(image: string): boolean {
  return !image.includes('@') && !image.includes('$(');
}

/**
 * The images of every document: each literal `image:` value (Tekton steps and sidecars, CronJob containers,
 * PipelineRuns inside TriggerTemplates...), and the default of each param a step names as its whole image
 * (`image: $(params.BUILDER_IMAGE)`), which is what the step runs unless the user overrides it.
 */
export function imagesIn(documents: unknown[]): string[] {
  const found = new Set<string>();
  const visit = (node: unknown, params: Map<string, unknown>) => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, params));
    if (!isRecord(node)) return;
    // A Task spec (or a Pipeline's embedded taskSpec) declares the params its steps' images may name.
    const declared =
      Array.isArray(node.params) && Array.isArray(node.steps)
        ? new Map(node.params.filter(isRecord).map((p) => [String(p.name), p.default]))
        : params;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'image' && typeof value === 'string') {
        const param = PARAM_ONLY.exec(value)?.[1];
        const image = param !== undefined ? declared.get(param) : value;
        if (typeof image === 'string' && needsPin(image)) found.add(image);
      } else {
        visit(value, declared);
      }
    }
  };
  documents.forEach((d) => visit(d, new Map()));
  return [...found].sort();
}

/** `repo:tag` becomes `repo:tag@sha256:...`: pinned for the runtime, still readable for people. */
export function pinnedReference(image: string, digest: string): string {
  return `${image}@${digest}`;
}

const IMAGE_LINE = /^(\s*(?:-\s+)?(?:image|default):\s*)(["']?)([^"'\s#]+)\2(\s*(?:#.*)?)$/;

/**
 * Rewrites the `image:` and `default:` lines holding a pinned image, then checks the result: parsed, it must
 * be the original with exactly those values replaced. Anything else (an image in flow style, an anchor) is
 * refused rather than written half-pinned.
 */
export function pinYamlText(text: string, source: string, pins: ReadonlyMap<string, string>): string {
  const lines = text.split('\n').map((line) => {
    const m = IMAGE_LINE.exec(line);
    const pinned = m ? pins.get(m[3] ?? '') : undefined;
    return m && pinned ? `${m[1]}${m[2]}${pinned}${m[2]}${m[4]}` : line;
  });
  const rewritten = lines.join('\n');
  const expected = replaceValues(parseYamlDocuments(text, source), pins);
  const got = parseYamlDocuments(rewritten, source);
  if (!isDeepStrictEqual(got, expected)) {
    throw new UsageError(
      `${source}: an image could not be pinned in place; write each image: and param default: on its own line, in block style`,
    );
  }
  const left = imagesIn(got).filter((i) => pins.has(i));
  if (left.length > 0) throw new UsageError(`${source}: ${left.join(', ')} could not be pinned in place`);
  return rewritten;
}

function replaceValues(node: unknown, pins: ReadonlyMap<string, string>): unknown {
  if (typeof node === 'string') return pins.get(node) ?? node;
  if (Array.isArray(node)) return node.map((n) => replaceValues(n, pins));
  if (isRecord(node))
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, replaceValues(v, pins)]));
  return node;
}
