import { UsageError } from '../errors.js';
import { TAG_PATTERN } from '../oci/index.js';
import { parseJson } from '../config/load.js';

/**
 * A list of tags as Tekton passes it: a JSON array, or names separated by commas and/or white space
 * (compute-tags writes comma-separated results). Each must be a valid tag; duplicates are dropped.
 */
export function parseTagList(text: string, what: string): string[] {
  const trimmed = text.trim();
  let items: unknown[];
  if (trimmed.startsWith('[')) {
    try {
      items = parseJson(trimmed) as unknown[];
    } catch {
      throw new UsageError(`${what}: starts with "[" but is not a JSON array`);
    }
    if (!Array.isArray(items)) throw new UsageError(`${what}: expected a JSON array of tags`);
  } else {
    items = trimmed.split(/[\s,]+/).filter(Boolean);
  }
  const tags: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string' || !TAG_PATTERN.test(item)) {
      throw new UsageError(
        `${what}: "${String(item).slice(0, 60)}" is not a valid tag (1-128 of [A-Za-z0-9_.-], not starting with . or -)`,
      );
    }
    if (!tags.includes(item)) tags.push(item);
  }
  return tags;
}
