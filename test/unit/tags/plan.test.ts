import { UsageError } from '../../../steps/lib/errors.js';
import { conventionalBump } from '../../../steps/lib/tags/bump.js';
import { immutabilityRule } from '../../../steps/lib/tags/immutable.js';
import { parseTagList } from '../../../steps/lib/tags/list.js';
import { describeRefusal, planTags } from '../../../steps/lib/tags/plan.js';

const A = 'sha256:' + 'a'.repeat(64);
const B = 'sha256:' + 'b'.repeat(64);

describe('planTags', () => {
  const isImmutable = immutabilityRule(['1.2.3', '1.2.3-abc123f'], []);

  test('creates absent tags, moves mutable ones, leaves tags already on the digest', () => {
    const current = new Map<string, string | undefined>([
      ['1.2.3', A],
      ['latest', B],
      ['1.2', undefined],
    ]);
    const plan = planTags(['1.2.3', 'latest', '1.2'], A, current, isImmutable);
    expect(plan.changes).toEqual([
      { tag: '1.2.3', action: 'unchanged', previous: A },
      { tag: 'latest', action: 'move', previous: B },
      { tag: '1.2', action: 'create' },
    ]);
    expect(plan.writes).toEqual(['latest', '1.2']);
    expect(plan.refused).toEqual([]);
  });

  test('refuses an immutable tag on another digest and names both digests', () => {
    const plan = planTags(['1.2.3', 'latest'], A, new Map([['1.2.3', B]]), isImmutable);
    expect(plan.refused).toEqual([{ tag: '1.2.3', action: 'refused', previous: B }]);
    const message = describeRefusal(plan, 'reg/app');
    expect(message).toContain(A);
    expect(message).toContain(B);
    expect(message).toMatch(/nothing was changed/);
  });
});

describe('immutabilityRule', () => {
  test('listed tags and whole-tag pattern matches are immutable', () => {
    const rule = immutabilityRule(['keep'], ['[0-9]+\\.[0-9]+\\.[0-9]+', 'release-.*']);
    expect(['keep', '1.2.3', 'release-x'].map(rule)).toEqual([true, true, true]);
    expect(['1.2.3-rc', 'x1.2.3', 'latest'].map(rule)).toEqual([false, false, false]);
  });
  test('a bad pattern is a usage error naming the flag', () => {
    expect(() => immutabilityRule([], ['(['])).toThrow(/--immutable-pattern "\(\["/);
  });
});

describe('parseTagList', () => {
  test.each([
    ['1.2.3,1.2, latest', ['1.2.3', '1.2', 'latest']],
    ['["a","b","a"]', ['a', 'b']],
    ['a\nb  c', ['a', 'b', 'c']],
    ['', []],
  ])('%j', (text, tags) => expect(parseTagList(text, '--tags')).toEqual(tags));
  test.each([['-bad'], ['["a", 3]'], ['[not json'], ['{"a":1}']])('%j is a usage error', (text) => {
    expect(() => parseTagList(text, '--tags')).toThrow(UsageError);
  });
});

describe('conventionalBump', () => {
  test.each([
    ['feat: a', 'minor'],
    ['fix: a\nfeat(ui): b', 'minor'],
    ['Fix: case-insensitive type', 'patch'],
    ['chore!: drop node 18', 'major'],
    ['fix: x\n\nBREAKING-CHANGE: y', 'major'],
    ['docs: a\nchore: b\nstyle: c', undefined],
    ['featuring: not a type', undefined],
    ['feat:missing space', undefined],
    ['', undefined],
  ])('%j → %s', (messages, level) => expect(conventionalBump(messages)).toBe(level));
});
