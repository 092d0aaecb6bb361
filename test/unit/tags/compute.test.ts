import { computeTags, type TagInput, type TagSet } from '../../../steps/lib/tags/compute.js';
import { UsageError } from '../../../steps/lib/errors.js';

const SHA = 'abc123f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3';
const S = 'abc123f';
const base = { sha: SHA, defaultBranch: 'main' };
const release = (version: string, extra: string[] = []) => [version, `${version}-${S}`, ...extra];

type Case = [string, Partial<TagInput> & { ref: string }, Partial<TagSet>];

const cases: Case[] = [
  // Release tags.
  [
    'release v1.2.3 into an empty repository',
    { ref: 'refs/tags/v1.2.3' },
    {
      version: '1.2.3',
      tags: release('1.2.3', ['1.2', '1', 'latest']),
      immutableTags: release('1.2.3'),
      environmentTags: [],
    },
  ],
  [
    'release tag without the v',
    { ref: 'refs/tags/1.2.3' },
    { version: '1.2.3', tags: release('1.2.3', ['1.2', '1', 'latest']) },
  ],
  [
    'release below a higher major: no latest',
    { ref: 'refs/tags/v1.2.3', existingTags: ['2.0.0', '1.2.2'] },
    { tags: release('1.2.3', ['1.2', '1']) },
  ],
  [
    'hotfix on an old minor line moves only that minor',
    { ref: 'refs/tags/v1.1.5', existingTags: ['1.2.0', '1.1.4', 'latest'] },
    { tags: release('1.1.5', ['1.1']) },
  ],
  [
    'hotfix on an old major line keeps latest away',
    { ref: 'refs/tags/v1.9.1', existingTags: ['2.1.0', '1.9.0'] },
    { tags: release('1.9.1', ['1.9', '1']) },
  ],
  [
    'rebuild of the highest version keeps latest',
    { ref: 'refs/tags/v1.2.3', existingTags: ['1.2.3', '1.2.3-0000000', '1.2', '1', 'latest'] },
    { tags: release('1.2.3', ['1.2', '1', 'latest']) },
  ],
  [
    'higher prereleases in the registry do not block latest',
    { ref: 'refs/tags/v1.2.3', existingTags: ['2.0.0-rc.1', '1.3.0-beta'] },
    { tags: release('1.2.3', ['1.2', '1', 'latest']) },
  ],
  [
    'non-semver registry tags are ignored',
    { ref: 'refs/tags/v1.2.3', existingTags: ['latest', 'main', 'sha-1234567', '9.9', '10'] },
    { tags: release('1.2.3', ['1.2', '1', 'latest']) },
  ],
  [
    'v-prefixed registry versions count',
    { ref: 'refs/tags/v1.2.3', existingTags: ['v1.4.0'] },
    { tags: release('1.2.3', ['1.2']) },
  ],
  [
    'prerelease gets only its own version tags',
    { ref: 'refs/tags/v2.0.0-rc.1' },
    { version: '2.0.0-rc.1', tags: release('2.0.0-rc.1'), immutableTags: release('2.0.0-rc.1') },
  ],
  [
    'prerelease ignores latest=true',
    { ref: 'refs/tags/v2.0.0-rc.1', latest: 'true' },
    { tags: release('2.0.0-rc.1') },
  ],
  [
    'major 0: no 0 or 0.3 tags',
    { ref: 'refs/tags/v0.3.1' },
    { version: '0.3.1', tags: release('0.3.1', ['latest']) },
  ],
  [
    '1.0.0 gets 1.0 and 1',
    { ref: 'refs/tags/v1.0.0', existingTags: ['0.9.9'] },
    { tags: release('1.0.0', ['1.0', '1', 'latest']) },
  ],
  ['latest=false', { ref: 'refs/tags/v1.2.3', latest: 'false' }, { tags: release('1.2.3', ['1.2', '1']) }],
  [
    'latest=true forces latest below a higher version',
    { ref: 'refs/tags/v1.2.3', latest: 'true', existingTags: ['3.0.0'] },
    { tags: release('1.2.3', ['1.2', '1', 'latest']) },
  ],
  [
    'release with an environment',
    { ref: 'refs/tags/v1.2.3', environment: 'staging' },
    { tags: release('1.2.3', ['1.2', '1', 'latest', 'staging']), environmentTags: ['staging'] },
  ],
  [
    'git tag that is not semver',
    { ref: 'refs/tags/release-2024-05' },
    { version: null, tags: ['release-2024-05', `sha-${S}`], immutableTags: [] },
  ],
  [
    'git tag with build metadata is not a version and cannot pose as one',
    { ref: 'refs/tags/v1.2.3+build.5' },
    { version: null, tags: ['tag-v1.2.3-build.5', `sha-${S}`] },
  ],
  ['git tag named latest', { ref: 'refs/tags/latest' }, { version: null, tags: ['tag-latest', `sha-${S}`] }],
  // Branches.
  [
    'default branch',
    { ref: 'refs/heads/main' },
    { version: null, tags: [`sha-${S}`, 'main', 'dev'], immutableTags: [], environmentTags: ['dev'] },
  ],
  [
    'default branch with an environment replaces dev',
    { ref: 'refs/heads/main', environment: 'staging' },
    { tags: [`sha-${S}`, 'main', 'staging'], environmentTags: ['staging'] },
  ],
  [
    'default branch with environment dev is not doubled',
    { ref: 'refs/heads/main', environment: 'dev' },
    { tags: [`sha-${S}`, 'main', 'dev'] },
  ],
  [
    'default branch named in --default-branch as a ref',
    { ref: 'refs/heads/develop', defaultBranch: 'refs/heads/develop' },
    { tags: [`sha-${S}`, 'develop', 'dev'] },
  ],
  ['bare branch name', { ref: 'main' }, { tags: [`sha-${S}`, 'main', 'dev'] }],
  [
    'feature branch',
    { ref: 'refs/heads/feature/login' },
    { tags: ['feature-login', `sha-${S}`], environmentTags: [] },
  ],
  [
    'feature branch with an environment',
    { ref: 'refs/heads/feature/login', environment: 'qa' },
    { tags: ['feature-login', `sha-${S}`, 'qa'], environmentTags: ['qa'] },
  ],
  [
    'branch main is not default when another is',
    { ref: 'refs/heads/main', defaultBranch: 'trunk' },
    { tags: ['main', `sha-${S}`], environmentTags: [] },
  ],
  ['upper-case commit id', { ref: 'refs/heads/x', sha: SHA.toUpperCase() }, { tags: ['x', `sha-${S}`] }],
  // Pull requests.
  [
    'GitHub PR head',
    { ref: 'refs/pull/7/head' },
    { version: null, tags: ['pr-7', `sha-${S}`], environmentTags: [] },
  ],
  ['GitHub PR merge ref', { ref: 'refs/pull/42/merge' }, { tags: ['pr-42', `sha-${S}`] }],
  ['PR number', { ref: '7' }, { tags: ['pr-7', `sha-${S}`] }],
  ['PR number with #', { ref: '#12' }, { tags: ['pr-12', `sha-${S}`] }],
  ['GitLab merge request', { ref: 'refs/merge-requests/3/head' }, { tags: ['pr-3', `sha-${S}`] }],
  // Branch names sanitized, and kept off reserved tags.
  ['branch named latest', { ref: 'refs/heads/latest' }, { tags: ['branch-latest', `sha-${S}`] }],
  ['branch named like a release', { ref: 'refs/heads/1.2.3' }, { tags: ['branch-1.2.3', `sha-${S}`] }],
  ['branch named like a major', { ref: 'refs/heads/v2' }, { tags: ['branch-v2', `sha-${S}`] }],
  ['branch named like an environment', { ref: 'refs/heads/prod' }, { tags: ['branch-prod', `sha-${S}`] }],
  [
    'branch named like the given environment',
    { ref: 'refs/heads/canary', environment: 'canary' },
    { tags: ['branch-canary', `sha-${S}`, 'canary'] },
  ],
  [
    'branch named like a referrers fallback tag',
    { ref: 'refs/heads/sha256-abcdef' },
    { tags: ['branch-sha256-abcdef', `sha-${S}`] },
  ],
  ['branch named like a sha tag', { ref: `refs/heads/sha-${S}` }, { tags: [`branch-sha-${S}`, `sha-${S}`] }],
  ['branch named like a PR tag', { ref: 'refs/heads/pr-7' }, { tags: ['branch-pr-7', `sha-${S}`] }],
  [
    'branch named branch-latest cannot meet branch latest',
    { ref: 'refs/heads/branch-latest' },
    { tags: ['branch-branch-latest', `sha-${S}`] },
  ],
  ['leading dots and dashes dropped', { ref: 'refs/heads/.-hidden/x' }, { tags: ['hidden-x', `sha-${S}`] }],
  ['non-ASCII characters', { ref: 'refs/heads/fix/ünïcode' }, { tags: ['fix--n-code', `sha-${S}`] }],
  [
    'branch of only punctuation',
    { ref: 'refs/heads/...' },
    { tags: [expect.stringMatching(/^branch-[0-9a-f]{12}$/) as unknown as string, `sha-${S}`] },
  ],
  // Conventional-commit bumps (default branch only).
  [
    'feat bumps minor from the highest registry version',
    {
      ref: 'refs/heads/main',
      existingTags: ['1.2.3', '1.1.0'],
      commitMessages: 'feat: search\n\nfix: typo\n',
    },
    {
      version: '1.3.0',
      tags: [...release('1.3.0', ['1.3', '1', 'latest']), `sha-${S}`, 'main', 'dev'],
      immutableTags: release('1.3.0'),
    },
  ],
  [
    'fix bumps patch',
    { ref: 'refs/heads/main', existingTags: ['1.2.3'], commitMessages: 'fix(parser): crash on empty input' },
    { version: '1.2.4' },
  ],
  [
    'perf bumps patch, oneline format',
    {
      ref: 'refs/heads/main',
      existingTags: ['1.2.3'],
      commitMessages: 'a1b2c3d perf: faster\n0f0f0f0 docs: readme',
    },
    { version: '1.2.4' },
  ],
  [
    '! bumps major',
    { ref: 'refs/heads/main', existingTags: ['1.2.3'], commitMessages: 'feat(api)!: drop v1 endpoints' },
    { version: '2.0.0', tags: [...release('2.0.0', ['2.0', '2', 'latest']), `sha-${S}`, 'main', 'dev'] },
  ],
  [
    'BREAKING CHANGE footer bumps major',
    {
      ref: 'refs/heads/main',
      existingTags: ['1.2.3'],
      commitMessages: 'refactor: config\n\nBREAKING CHANGE: the env var is renamed\0fix: y',
    },
    { version: '2.0.0' },
  ],
  [
    'prereleases are not the bump base',
    { ref: 'refs/heads/main', existingTags: ['1.2.3', '2.0.0-rc.1'], commitMessages: 'fix: y' },
    { version: '1.2.4' },
  ],
  [
    'nothing releasable: no version',
    {
      ref: 'refs/heads/main',
      existingTags: ['1.2.3'],
      commitMessages: 'chore: deps\ndocs: readme\nMerge branch x',
    },
    { version: null, tags: [`sha-${S}`, 'main', 'dev'] },
  ],
  [
    'first release from an empty registry',
    { ref: 'refs/heads/main', commitMessages: 'feat: first' },
    { version: '0.1.0', tags: [...release('0.1.0', ['latest']), `sha-${S}`, 'main', 'dev'] },
  ],
  [
    'bump ignored on a feature branch',
    { ref: 'refs/heads/feature/x', existingTags: ['1.2.3'], commitMessages: 'feat: x' },
    { version: null, tags: ['feature-x', `sha-${S}`] },
  ],
  [
    'bump ignored for a release tag',
    { ref: 'refs/tags/v5.0.0', existingTags: ['1.2.3'], commitMessages: 'fix: x' },
    { version: '5.0.0' },
  ],
];

describe('computeTags', () => {
  test.each(cases)('%s', (_name, input, expected) => {
    expect(computeTags({ ...base, ...input })).toMatchObject(expected);
  });

  test('there are at least 30 table cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  test('immutable and environment tags are always among the tags', () => {
    for (const [, input] of cases) {
      const out = computeTags({ ...base, ...input });
      for (const t of [...out.immutableTags, ...out.environmentTags]) expect(out.tags).toContain(t);
      expect(new Set(out.tags).size).toBe(out.tags.length);
    }
  });

  test('a long branch is cut to 128 characters with a hash, and two long branches do not collide', () => {
    const common = 'feature/' + 'x'.repeat(200);
    const a = computeTags({ ...base, ref: `refs/heads/${common}-a` }).tags[0] as string;
    const b = computeTags({ ...base, ref: `refs/heads/${common}-b` }).tags[0] as string;
    expect(a).toHaveLength(128);
    expect(a).toMatch(/^feature-x+-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });

  test.each([
    [{ ref: 'refs/heads/x', sha: 'xyz' }, /--sha "xyz": expected a git commit id/],
    [{ ref: 'refs/heads/x', sha: 'abc12' }, /--sha "abc12"/],
    [{ ref: 'refs/remotes/origin/x' }, /only refs\/heads\/, refs\/tags\/ and refs\/pull\//],
    [{ ref: 'refs/pull/abc/head' }, /pull-request ref looks like refs\/pull\/<number>\/head/],
    [{ ref: 'refs/heads/' }, /no branch name after refs\/heads\//],
    [{ ref: '  ' }, /--ref is empty/],
    [{ ref: '0' }, /pull-request number must be a positive integer/],
    [{ ref: 'refs/heads/x', environment: 'Prod' }, /--environment "Prod"/],
    [{ ref: 'refs/heads/x', environment: '1.2' }, /--environment "1.2"/],
    [{ ref: 'refs/heads/x', defaultBranch: ' ' }, /--default-branch is empty/],
  ])('bad input %j is one usage error', (input, message) => {
    const run = () => computeTags({ ...base, ...input });
    expect(run).toThrow(UsageError);
    expect(run).toThrow(message);
  });
});
