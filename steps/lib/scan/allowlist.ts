import { DAY_MS, daysBetween, parseDay } from './dates.js';
import type { Finding } from './finding.js';
import { globMatch } from './glob.js';
import type { AllowEntry, Policy } from './policy.js';
import type { Severity } from './severity.js';

/** The image under evaluation, for entries scoped by `image`. */
export interface ImageScope {
  /** The reference as given (registry/repo:tag or @digest). */
  reference: string;
  /** registry/repository, without tag or digest. */
  repository: string;
}

/**
 * Whether an entry's scope covers a finding. Every field the entry sets must match; an entry scoped to an
 * image never matches when no image is being evaluated, so a narrow exception can never widen by accident.
 */
export function entryMatches(entry: AllowEntry, finding: Finding, image: ImageScope | undefined): boolean {
  const id = entry.id.toUpperCase();
  if (finding.id.toUpperCase() !== id && !finding.aliases.some((a) => a.toUpperCase() === id)) return false;
  if (entry.purl !== undefined && !purlMatches(entry.purl, finding.package.purl)) return false;
  if (
    entry.image !== undefined &&
    !(image && (globMatch(entry.image, image.repository) || globMatch(entry.image, image.reference)))
  )
    return false;
  if (entry.path !== undefined) {
    const paths = [finding.package.path, finding.target]
      .filter((p): p is string => Boolean(p))
      .map(stripSlash);
    if (!paths.some((p) => globMatch(stripSlash(entry.path!), p))) return false;
  }
  return true;
}

/**
 * purl scope: an entry with a version (`pkg:npm/lodash@4.17.20`) names that version only; without one
 * (`pkg:npm/lodash`) every version. Qualifiers and subpath (arch, distro) never narrow the match.
 */
function purlMatches(wanted: string, actual: string | undefined): boolean {
  if (!actual) return false;
  const w = bare(wanted);
  const a = bare(actual);
  return w.includes('@') ? w === a : w === a.replace(/@[^@/]*$/, '');
}

function bare(purl: string): string {
  return purl.replace(/[?#].*$/, '');
}

function stripSlash(path: string): string {
  return path.replace(/^\/+/, '');
}

export type EntryValidity = { valid: true; daysLeft: number } | { valid: false; why: string };

/**
 * Whether an entry may waive a finding of `severity` at `now`. An entry waives through the last moment
 * of its `expires` day (UTC). Its lifetime, from `created` (or today, when not recorded) to `expires`,
 * must fit the policy's maximum for the severity.
 */
export function entryValidity(
  entry: AllowEntry,
  severity: Severity,
  policy: Policy,
  now: number,
): EntryValidity {
  const expiresDay = parseDay(entry.expires)!;
  if (now >= expiresDay + DAY_MS)
    return { valid: false, why: `${describeEntry(entry)} expired on ${entry.expires}` };
  const max = policy.allowlist.maxLifetimeDays[severity];
  if (max !== undefined) {
    const from = entry.created === undefined ? now : parseDay(entry.created)!;
    const lifetime = daysBetween(from, expiresDay);
    if (lifetime > max) {
      const since = entry.created === undefined ? 'from today' : `from ${entry.created}`;
      return {
        valid: false,
        why: `${describeEntry(entry)} runs ${lifetime} days ${since}, over the ${max}-day maximum for ${severity}`,
      };
    }
  }
  return { valid: true, daysLeft: daysBetween(now, expiresDay) };
}

export function describeEntry(entry: AllowEntry): string {
  return `allowlist.entries[${entry.index}] (${entry.id})`;
}
