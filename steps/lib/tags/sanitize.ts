import { createHash } from 'node:crypto';

export const MAX_TAG_LENGTH = 128;
const HASH_LENGTH = 12;

export interface SanitizeOptions {
  /** Tags a branch must not take over (release versions, `latest`, environments...); they get `prefix`. */
  isReserved?: (tag: string) => boolean;
  prefix?: string;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, HASH_LENGTH);
}

/**
 * Turns a branch or git tag name into a valid image tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}).
 * Characters outside the tag alphabet become `-` and a leading `.`/`-` is dropped. A name too long is cut
 * and ends in a hash of the whole original name, so two long branches sharing a 128-character prefix
 * still get different tags. A name that would read as a reserved tag is prefixed, so a branch called
 * `1.2.3` or `latest` cannot move a release or environment tag.
 */
export function sanitizeTag(name: string, options: SanitizeOptions = {}): string {
  const prefix = options.prefix ?? 'branch-';
  const isReserved = options.isReserved ?? (() => false);
  // A name that already starts with the prefix is prefixed again when the rest would be: `branch-latest`
  // becomes `branch-branch-latest`, so it cannot meet the branch called `latest`.
  const needsPrefix = (t: string): boolean =>
    isReserved(t) ||
    (t.length > prefix.length && t.startsWith(prefix) && needsPrefix(t.slice(prefix.length)));
  let tag = name.replace(/[^A-Za-z0-9_.-]/gu, '-').replace(/^[.-]+/, '');
  if (tag === '') tag = prefix + shortHash(name);
  else if (needsPrefix(tag)) tag = prefix + tag;
  if (tag.length > MAX_TAG_LENGTH)
    tag = `${tag.slice(0, MAX_TAG_LENGTH - HASH_LENGTH - 1)}-${shortHash(name)}`;
  return tag;
}
