import semver from 'semver';

/**
 * A release version from a git tag or a registry tag: `1.2.3`, `v1.2.3`, `2.0.0-rc.1`. Build metadata
 * (`+...`) cannot appear in an image tag, so it is not accepted here either.
 */
export function parseVersion(text: string): semver.SemVer | undefined {
  if (text.includes('+')) return undefined;
  return semver.parse(text) ?? undefined;
}

/** The semver versions among a repository's tags, highest first. Tags like `1.2` or `latest` are not versions. */
export function registryVersions(tags: readonly string[]): semver.SemVer[] {
  const versions = tags.map(parseVersion).filter((v): v is semver.SemVer => v !== undefined);
  return versions.sort((a, b) => semver.rcompare(a, b));
}

export function isStable(version: semver.SemVer): boolean {
  return version.prerelease.length === 0;
}

export function highestStable(versions: readonly semver.SemVer[]): semver.SemVer | undefined {
  return versions
    .filter(isStable)
    .reduce<semver.SemVer | undefined>((best, v) => (!best || semver.gt(v, best) ? v : best), undefined);
}

/**
 * Whether `version` is at least every stable version the registry holds on the same line: the same major
 * (`line` = 'major'), major.minor ('minor'), or any ('all'). A floating tag (`1`, `1.2`, `latest`) moves
 * only then, so a hotfix on an old line does not drag it backwards.
 */
export function isHighestOnLine(
  version: semver.SemVer,
  existing: readonly semver.SemVer[],
  line: 'major' | 'minor' | 'all',
): boolean {
  const sameLine = existing.filter(
    (v) =>
      isStable(v) &&
      (line === 'all' || (v.major === version.major && (line === 'major' || v.minor === version.minor))),
  );
  return sameLine.every((v) => semver.gte(version, v));
}
