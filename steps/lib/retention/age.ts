import type { ManifestInfo, RawDates } from './model.js';
import type { AgeSource } from './policy.js';

export const CREATED_KEY = 'org.opencontainers.image.created';

/**
 * Dates before this are placeholders, not build times: reproducible builds write the Unix epoch
 * (SOURCE_DATE_EPOCH=0) and some tools the 1980 zip epoch. Such an image's age is unknown.
 */
const PLACEHOLDER_BEFORE = Date.UTC(1980, 0, 2);

export type Created = { at: number; source: AgeSource } | { unknown: string };

const SOURCE_NAMES: Record<AgeSource, string> = {
  config: 'config created',
  annotation: `${CREATED_KEY} annotation`,
  label: `${CREATED_KEY} label`,
};

/** An index's date from a source: its own (annotation), else the newest of its children's. */
function rawDate(
  manifests: ReadonlyMap<string, ManifestInfo>,
  info: ManifestInfo,
  source: AgeSource,
  seen: Set<string>,
): string | undefined {
  const own = info.dates[source as keyof RawDates];
  if (own !== undefined || info.children.length === 0) return own;
  let newest: { text: string; at: number } | undefined;
  for (const child of info.children) {
    const childInfo = manifests.get(child);
    if (!childInfo || seen.has(child)) continue;
    seen.add(child);
    const text = rawDate(manifests, childInfo, source, seen);
    const at = text === undefined ? NaN : Date.parse(text);
    if (!Number.isNaN(at) && (!newest || at > newest.at)) newest = { text: text as string, at };
  }
  return newest?.text;
}

/**
 * The creation date of a manifest from the first source, in the policy's order, that has a usable one.
 * Missing, unreadable and epoch dates are skipped; when no source has a date the age is unknown, with why.
 */
export function creationDate(
  manifests: ReadonlyMap<string, ManifestInfo>,
  digest: string,
  sources: readonly AgeSource[],
): Created {
  const info = manifests.get(digest);
  if (!info) return { unknown: 'the manifest could not be read' };
  const problems: string[] = [];
  for (const source of sources) {
    const text = rawDate(manifests, info, source, new Set([digest]));
    if (text === undefined) continue;
    const at = Date.parse(text);
    if (Number.isNaN(at)) problems.push(`${SOURCE_NAMES[source]} "${text}" is not a date`);
    else if (at < PLACEHOLDER_BEFORE)
      problems.push(`${SOURCE_NAMES[source]} is the placeholder date ${text}`);
    else return { at, source };
  }
  return {
    unknown: problems.length ? problems.join('; ') : `no ${sources.map((s) => SOURCE_NAMES[s]).join(', ')}`,
  };
}

export function describeAge(at: number, now: number): string {
  const days = Math.floor((now - at) / 86_400_000);
  const when = new Date(at).toISOString().replace(/\.000Z$/, 'Z');
  return days >= 1 ? `created ${when} (${days} day${days === 1 ? '' : 's'} ago)` : `created ${when} (today)`;
}
