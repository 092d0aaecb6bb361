import fc from 'fast-check';
import { globMatch } from '../../../steps/lib/scan/glob.js';

/** The meaning of a glob, spelled as the obvious regular expression; fine for the short inputs generated here. */
function byRegex(pattern: string, value: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(value);
}

const alphabet = fc.constantFrom('a', 'b', '*', '.', '-', '/', '[', '\n');
const short = fc.string({ unit: alphabet, maxLength: 12 });

describe('globMatch', () => {
  test.each([
    ['prod', 'prod', true],
    ['prod', 'production', false],
    ['prod*', 'production', true],
    ['v*', 'v1.2.3', true],
    ['*.*.*', '1.2.3', true],
    ['*.*.*', '1.2', false],
    ['team/*', 'team/app/sub', true],
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['[', '[', true],
  ])('%j against %j is %s', (pattern, value, expected) => {
    expect(globMatch(pattern, value)).toBe(expected);
  });

  test('agrees with the regular-expression reading on every short pattern and value', () => {
    fc.assert(
      fc.property(short, short, (pattern, value) => globMatch(pattern, value) === byRegex(pattern, value)),
      { numRuns: 5000 },
    );
  });

  // A backtracking matcher would still be at the first of these when jest's timeout ends the test.
  test('a pattern that makes a regex backtrack exponentially, or one too long for a regex, is answered', () => {
    expect(globMatch(`${'*a'.repeat(40)}*b`, 'a'.repeat(60))).toBe(false);
    expect(globMatch('a'.repeat(100_000), 'a'.repeat(100_000))).toBe(true);
    expect(globMatch(`${'*'.repeat(50_000)}x`, 'y'.repeat(1000))).toBe(false);
  });
});
