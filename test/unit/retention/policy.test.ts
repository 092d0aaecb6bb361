import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../../steps/lib/errors.js';
import {
  inDeleteScope,
  parseRetentionPolicy,
  protectedByName,
  selectsRepository,
} from '../../../steps/lib/retention/policy.js';

const root = join(__dirname, '..', '..', '..');

function fails(text: string): string {
  try {
    parseRetentionPolicy(text, 'policy.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).not.toMatch(/\n/);
    return (err as Error).message;
  }
  throw new Error('expected the policy to be rejected');
}

describe('retention policy', () => {
  test('the ADR-0033 example reads as documented', () => {
    const policy = parseRetentionPolicy(
      readFileSync(join(root, 'examples', 'retention-policy.yaml'), 'utf8'),
      'retention-policy.yaml',
    );
    expect(policy).toEqual({
      name: 'adr-0033',
      repositories: { include: ['*'], exclude: [] },
      keep: {
        newest: 10,
        youngerThan: '30d',
        youngerThanMs: 30 * 86_400_000,
        tags: ['prod', 'staging', 'latest'],
        tagPatterns: ['prod-*'],
      },
      delete: { untagged: true, tagPatterns: ['*'], orphanedAttachments: false },
      age: { sources: ['config', 'annotation', 'label'], unknown: 'keep' },
      protectInUse: true,
      inUse: { namespaces: ['*'], registryAliases: [] },
    });
  });

  test('defaults: every repository, every tag in delete scope, untagged manifests deleted, age unknown kept; the name is the file name', () => {
    const policy = parseRetentionPolicy('keep: {newest: 3}', '/etc/retention/policy.yaml');
    expect(policy.name).toBe('policy.yaml');
    expect(policy.repositories).toEqual({ include: ['*'], exclude: [] });
    expect(policy.delete).toEqual({ untagged: true, tagPatterns: ['*'], orphanedAttachments: false });
    expect(policy.age).toEqual({ sources: ['config', 'annotation', 'label'], unknown: 'keep' });
    expect(policy.protectInUse).toBe(false);
  });

  test('durations in hours, days and weeks', () => {
    expect(parseRetentionPolicy('keep: {youngerThan: 12h}', 'p').keep.youngerThanMs).toBe(12 * 3_600_000);
    expect(parseRetentionPolicy('keep: {youngerThan: 2w}', 'p').keep.youngerThanMs).toBe(14 * 86_400_000);
  });

  test('a tag written as a bare YAML number is refused: 1.0 would silently become 1', () => {
    expect(fails('keep: {tags: [1.0, prod]}')).toBe(
      'policy.yaml: keep.tags[0] is the number 1; quote tags that look like numbers, e.g. "1.0"',
    );
    expect(parseRetentionPolicy('keep: {tags: ["1.0"]}', 'p').keep.tags).toEqual(['1.0']);
  });

  test.each([
    [
      'keep: {newest: 0}',
      /^policy\.yaml: keep\.newest must be a whole number from 1 to 100000, got number 0$/,
    ],
    ['keep: {newest: "10"}', /keep\.newest must be a whole number .* got string "10"$/],
    [
      'keep: {youngerThan: 30}',
      /^policy\.yaml: keep\.youngerThan must be a duration such as 30d, 12h or 2w, got number 30$/,
    ],
    ['keep: {youngerThan: 30days}', /keep\.youngerThan must be a duration/],
    [
      'keep: {newest: 1, tag: [prod]}',
      /^policy\.yaml: keep\.tag is not a policy key \(known here: newest, youngerThan, tags, tagPatterns\)$/,
    ],
    ['kep: {newest: 1}', /^policy\.yaml: kep is not a policy key/],
    ['keep: {tags: prod}', /^policy\.yaml: keep\.tags must be a list of strings, got string "prod"$/],
    [
      'keep: {tagPatterns: ["prod-[0-9]"]}',
      /^policy\.yaml: keep\.tagPatterns\[0\] "prod-\[0-9\]" is not a pattern: use name characters and \* only$/,
    ],
    [
      'keep: {newest: 1}\ndelete: {untagged: "yes"}',
      /^policy\.yaml: delete\.untagged must be true or false, got string "yes"$/,
    ],
    [
      'keep: {newest: 1}\nage: {sources: [config, exif]}',
      /^policy\.yaml: age\.sources\[1\] must be one of config, annotation, label, got "exif"$/,
    ],
    [
      'keep: {newest: 1}\nage: {unknown: delete}',
      /^policy\.yaml: age\.unknown must be keep or old, got string "delete"$/,
    ],
    [
      'keep: {newest: 1}\nprotectInUse: true',
      /^policy\.yaml: inUse\.namespaces must list the namespaces .* when protectInUse is true/,
    ],
    [
      'keep: {newest: 1}\nprotectInUse: true\ninUse: {namespaces: [Shop]}',
      /^policy\.yaml: inUse\.namespaces\[0\] "Shop" is not a namespace name$/,
    ],
    [
      'keep: {newest: 1}\nrepositories: {include: []}',
      /^policy\.yaml: repositories\.include is empty, so nothing would be selected/,
    ],
    ['delete: {untagged: true}', /^policy\.yaml: keep has no rule, so every tag in scope would be deleted/],
    ['', /^policy\.yaml: the policy is empty/],
    ['- a\n- b', /^policy\.yaml: the document must be a map, got a list$/],
    ['keep: {newest: 1', /^policy\.yaml: not valid YAML \(.* at line \d+\)$/],
    ['name: "a/b"\nkeep: {newest: 1}', /^policy\.yaml: name must be a short name/],
  ])('%j is rejected with one line naming the key', (text, message) => {
    expect(fails(text)).toMatch(message);
  });

  test('a file that is not a policy is refused without printing what is in it', () => {
    const message = fails('root:$6$salt$not-a-policy-but-a-secret-line');
    expect(message).toBe('policy.yaml: the document must be a map, got a string of 43 characters');
    expect(fails('keep: {youngerThan: "a-very-long-value-that-is-not-a-duration"}')).toMatch(
      /got a string of 40 characters$/,
    );
  });

  test('repository selection: include globs minus exclude globs; * spans path segments', () => {
    const policy = parseRetentionPolicy(
      'keep: {newest: 1}\nrepositories: {include: ["team-a/*", "base"], exclude: ["team-a/keep-*"]}',
      'p',
    );
    expect(selectsRepository(policy, 'team-a/web')).toBe(true);
    expect(selectsRepository(policy, 'team-a/sub/web')).toBe(true);
    expect(selectsRepository(policy, 'team-a/keep-forever')).toBe(false);
    expect(selectsRepository(policy, 'base')).toBe(true);
    expect(selectsRepository(policy, 'base-images')).toBe(false);
  });

  test('protected names and the delete scope', () => {
    const policy = parseRetentionPolicy(
      'keep: {tags: [prod], tagPatterns: ["release-*"]}\ndelete: {tagPatterns: ["pr-*", "release-*"]}',
      'p',
    );
    expect(protectedByName(policy, 'prod')).toBe('tag "prod" is listed in keep.tags');
    expect(protectedByName(policy, 'release-7')).toBe('tag matches keep.tagPatterns "release-*"');
    expect(protectedByName(policy, 'production')).toBeUndefined();
    expect(inDeleteScope(policy, 'pr-12')).toBe(true);
    expect(inDeleteScope(policy, 'main')).toBe(false);
  });
});
