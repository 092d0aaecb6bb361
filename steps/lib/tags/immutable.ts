import { UsageError } from '../errors.js';

export type ImmutabilityRule = (tag: string) => boolean;

/**
 * A tag is immutable when it is listed (compute-tags' immutableTags) or matches one of the patterns, each a
 * regular expression that must match the whole tag, e.g. `[0-9]+\.[0-9]+\.[0-9]+`.
 */
export function immutabilityRule(
  immutableTags: readonly string[],
  patterns: readonly string[],
): ImmutabilityRule {
  const listed = new Set(immutableTags);
  const regexes = patterns.map((pattern) => {
    try {
      return new RegExp(`^(?:${pattern})$`);
    } catch (err) {
      throw new UsageError(
        `--immutable-pattern "${pattern}": not a valid regular expression (${(err as Error).message})`,
      );
    }
  });
  return (tag) => listed.has(tag) || regexes.some((r) => r.test(tag));
}
