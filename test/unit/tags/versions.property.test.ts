import fc from 'fast-check';
import semver from 'semver';
import {
  highestStable,
  isHighestOnLine,
  parseVersion,
  registryVersions,
} from '../../../steps/lib/tags/versions.js';

const part = fc.integer({ min: 0, max: 30 });
const pre = fc.constantFrom('', '-rc.1', '-rc.2', '-alpha', '-beta.10', '-beta.2');
/** Tags a repository holds: versions with or without v, prereleases, and tags that are not versions. */
const versionTag = fc
  .tuple(fc.constantFrom('', 'v'), part, part, part, pre)
  .map(([v, a, b, c, p]) => `${v}${a}.${b}.${c}${p}`);
const otherTag = fc.constantFrom('latest', 'dev', '1', '1.2', 'sha-abc1234', 'main', '1.2.3-abc_def', 'pr-7');
const tags = fc.array(fc.oneof(versionTag, otherTag), { maxLength: 30 });

describe('semver ordering of registry tags', () => {
  test('registryVersions: every version tag, highest first, whatever order the registry lists them in', () => {
    fc.assert(
      fc.property(tags, fc.integer(), (list, seed) => {
        const sorted = registryVersions(list);
        for (let i = 1; i < sorted.length; i++) expect(semver.gte(sorted[i - 1]!, sorted[i]!)).toBe(true);
        expect(sorted.length).toBe(list.filter((t) => parseVersion(t) !== undefined).length);
        const shuffled = [...list].sort(
          (a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7),
        );
        expect(registryVersions(shuffled).map(String)).toEqual(sorted.map(String));
      }),
      { numRuns: 1000 },
    );
  });

  test('highestStable is the greatest version without a prerelease', () => {
    fc.assert(
      fc.property(tags, (list) => {
        const versions = registryVersions(list);
        const stable = versions.filter((v) => v.prerelease.length === 0);
        const best = highestStable(versions);
        if (stable.length === 0) expect(best).toBeUndefined();
        else for (const v of stable) expect(semver.gte(best!, v)).toBe(true);
      }),
    );
  });

  test('isHighestOnLine: a floating tag moves only to a version at least as high as every stable one on its line', () => {
    fc.assert(
      fc.property(
        tags,
        versionTag,
        fc.constantFrom('major', 'minor', 'all') as fc.Arbitrary<'major' | 'minor' | 'all'>,
        (list, candidate, line) => {
          const version = parseVersion(candidate)!;
          const existing = registryVersions(list);
          const sameLine = existing.filter(
            (v) =>
              v.prerelease.length === 0 &&
              (line === 'all' ||
                (v.major === version.major && (line === 'major' || v.minor === version.minor))),
          );
          expect(isHighestOnLine(version, existing, line)).toBe(
            sameLine.every((v) => semver.gte(version, v)),
          );
          // A hotfix on an old line never drags `latest` back.
          if (isHighestOnLine(version, existing, 'all'))
            expect(isHighestOnLine(version, existing, 'major')).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('a tag with build metadata is never a version: image tags cannot hold +', () => {
    fc.assert(
      fc.property(
        versionTag,
        fc.string({ minLength: 1, maxLength: 8 }),
        (t, meta) => parseVersion(`${t}+${meta}`) === undefined,
      ),
    );
  });
});
