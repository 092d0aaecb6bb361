import fc from 'fast-check';
import { TAG_PATTERN } from '../../../steps/lib/oci/reference.js';
import { sanitizeTag } from '../../../steps/lib/tags/sanitize.js';

const reserved = (tag: string) => tag === 'latest' || /^v?\d+(\.\d+){0,2}([-+].*)?$/.test(tag);
const options = { isReserved: reserved, prefix: 'branch-' };
const anyName = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom('/', '.', '-', '_', 'a', 'Z', '9', ' ', '@'), maxLength: 300 }),
);
const tagChar = fc.constantFrom(...'abcxyzABC0123456789._-/'.split(''));

describe('sanitizeTag properties', () => {
  test('always gives a valid tag, whatever the branch name', () => {
    fc.assert(
      fc.property(anyName, (name) => TAG_PATTERN.test(sanitizeTag(name, options))),
      { numRuns: 2000 },
    );
  });

  test('never gives a reserved tag', () => {
    const versionish = fc.tuple(fc.nat(99), fc.nat(99), fc.nat(99)).map(([a, b, c]) => `${a}.${b}.${c}`);
    fc.assert(
      fc.property(
        fc.oneof(anyName, versionish, fc.constant('latest')),
        (name) => !reserved(sanitizeTag(name, options)),
      ),
    );
  });

  test('leaves a valid, unreserved tag as it is', () => {
    const valid = fc
      .string({ unit: tagChar, minLength: 1, maxLength: 100 })
      .filter((t) => TAG_PATTERN.test(t) && !reserved(t) && !t.startsWith('branch-'));
    fc.assert(fc.property(valid, (tag) => sanitizeTag(tag, options) === tag));
  });

  test('distinct long names (cut to 128) never share a tag', () => {
    const longName = fc
      .tuple(fc.constantFrom('a', 'f', 'Z'), fc.string({ unit: tagChar, minLength: 150, maxLength: 300 }))
      .map(([h, t]) => h + t);
    fc.assert(
      fc.property(longName, longName, (a, b) => {
        fc.pre(a !== b);
        const [ta, tb] = [sanitizeTag(a, options), sanitizeTag(b, options)];
        return ta.length === 128 && tb.length === 128 && ta !== tb;
      }),
      { numRuns: 2000 },
    );
  });

  test('distinct valid short names stay distinct, reserved or not (the prefix cannot collide)', () => {
    const shortName = fc.oneof(
      fc.string({ unit: tagChar, minLength: 1, maxLength: 40 }).filter((t) => TAG_PATTERN.test(t)),
      fc.constantFrom('latest', 'branch-latest', 'branch-branch-latest', '1.2.3', 'branch-1.2.3'),
    );
    fc.assert(
      fc.property(
        shortName,
        shortName,
        (a, b) => a === b || sanitizeTag(a, options) !== sanitizeTag(b, options),
      ),
      { numRuns: 2000 },
    );
  });

  test('is deterministic', () => {
    fc.assert(fc.property(anyName, (name) => sanitizeTag(name, options) === sanitizeTag(name, options)));
  });
});
