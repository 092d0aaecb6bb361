import { ExprError, parseCondition } from '../../../steps/lib/canary/expr.js';

const check = (text: string, result: number[]) => parseCondition(text).evaluate(result);

describe('metric conditions', () => {
  test.each([
    ['result < 0.05', [0.01], true],
    ['result < 0.05', [0.05], false],
    ['result[0] >= 0.95 && result[1] >= 0.95', [0.99, 0.96], true],
    ['result[0] >= 0.95 and result[1] >= 0.95', [0.99, 0.9], false],
    ['result > 10 || result < 1', [0.5], true],
    ['not (result > 10)', [3], true],
    ['!(result <= 3)', [3], false],
    ['len(result) == 2', [1, 2], true],
    ['isNaN(result)', [NaN], true],
    ['abs(result - 1) < 0.1', [1.05], true],
    ['max(result) < 0.1 && min(result) >= 0', [0.01, 0.09], true],
    ['result * 100 <= 5', [0.05], true],
    ['-result > -1', [0.5], true],
    ['result >= 1e-3', [0.002], true],
    ['true', [], true],
    ['(result / 2) == 0.25', [0.5], true],
    ['(result == 1) == true', [1], true],
  ] as const)('%s with %j is %s', (text, result, expected) => {
    expect(check(text, [...result])).toBe(expected);
  });

  test.each([
    ['result <', 'the expression ends too soon'],
    ['result < 0.05)', 'unexpected ")" at position 14'],
    ['resutl < 1', 'unknown name "resutl" (the query\'s values are "result")'],
    ['count(result) > 1', 'unknown function "count" (known: len, isNaN, abs, min, max)'],
    ['result ? 1', 'unexpected "?" at position 8'],
    ['len(result, 1) > 0', 'len() takes one argument, got 2'],
    ['(result < 1', 'expected ")" at position 12 (end of expression)'],
    ['0 < result < 1', 'unexpected "<" at position 12'],
  ])('a syntax error is found when parsing: %s', (text, message) => {
    expect(() => parseCondition(text)).toThrow(new ExprError(message));
  });

  test.each([
    ['result < 1', [1, 2], 'result has 2 values where the left of < needs one; pick one with result[i]'],
    ['result[2] < 1', [1, 2], 'result[2] does not exist: the query returned 2 value(s)'],
    ['result', [1], '"result" is not a condition (true or false)'],
    ['result < 1 && 3', [0], 'the right of && is not a condition (true or false)'],
    ['!result', [0], 'the operand of ! is not a condition (true or false)'],
  ])('a condition that cannot be evaluated on these values says why: %s', (text, result, message) => {
    expect(() => check(text, result)).toThrow(new ExprError(message));
  });

  test('&& and || do not evaluate what they do not need', () => {
    expect(check('len(result) == 0 || result[0] < 1', [])).toBe(true);
    expect(check('len(result) > 0 && result[0] < 1', [])).toBe(false);
  });
});
