import {
  analysisDecision,
  evaluateMeasurement,
  metricVerdict,
  summarizeVerdict,
  type Measurement,
} from '../../../steps/lib/canary/analysis.js';
import { parseAnalysis } from '../../../steps/lib/canary/config.js';

const [both, successOnly, failureOnly] = parseAnalysis({
  templates: [
    {
      name: 'both',
      query: 'q',
      successCondition: 'result < 0.05',
      failureCondition: 'result >= 0.1',
      count: 3,
      failureLimit: 1,
      consecutiveErrorLimit: 2,
      inconclusiveLimit: 1,
    },
    { name: 'success-only', query: 'q', successCondition: 'result < 0.05' },
    { name: 'failure-only', query: 'q', failureCondition: 'result[0] >= 0.1' },
  ],
}).templates as [any, any, any]; // eslint-disable-line @typescript-eslint/no-explicit-any

const m = (phase: Measurement['phase']): Measurement => ({ phase, value: '0' });

describe('a measurement', () => {
  test('with both conditions: failure wins, success passes, neither is inconclusive', () => {
    expect(evaluateMeasurement(both, [0.2])).toEqual({
      phase: 'Failed',
      value: '0.2',
      message: 'failureCondition "result >= 0.1" is true',
    });
    expect(evaluateMeasurement(both, [0.01])).toEqual({ phase: 'Successful', value: '0.01' });
    expect(evaluateMeasurement(both, [0.07])).toEqual({
      phase: 'Inconclusive',
      value: '0.07',
      message: 'neither successCondition nor failureCondition is true',
    });
  });

  test('with one condition, its opposite is the other outcome', () => {
    expect(evaluateMeasurement(successOnly, [0.07]).phase).toBe('Failed');
    expect(evaluateMeasurement(failureOnly, [0.07]).phase).toBe('Successful');
  });

  test('no data (no series, or NaN from 0/0) is inconclusive, not a pass', () => {
    expect(evaluateMeasurement(failureOnly, [])).toEqual({
      phase: 'Inconclusive',
      value: '[]',
      message: 'the query returned no data',
    });
    expect(evaluateMeasurement(failureOnly, [NaN]).phase).toBe('Inconclusive');
  });

  test('a failed query or a condition that cannot be evaluated is an error', () => {
    expect(evaluateMeasurement(both, new Error('prometheus: HTTP 503'))).toEqual({
      phase: 'Error',
      message: 'prometheus: HTTP 503',
    });
    expect(evaluateMeasurement(both, [0.1, 0.2])).toMatchObject({
      phase: 'Error',
      message: expect.stringMatching(/^condition: result has 2 values/),
    });
  });
});

describe('a metric over its measurements', () => {
  test('runs until count measurements that are not errors, then succeeds', () => {
    expect(metricVerdict(both, [m('Successful'), m('Error'), m('Successful')]).status).toBe('Running');
    expect(
      metricVerdict(both, [m('Successful'), m('Error'), m('Successful'), m('Successful')]),
    ).toMatchObject({ status: 'Successful', successful: 3, errors: 1 });
  });

  test('fails on one failure more than failureLimit, at once', () => {
    expect(metricVerdict(both, [m('Failed')]).status).toBe('Running');
    const verdict = metricVerdict(both, [m('Failed'), m('Failed')]);
    expect(verdict).toMatchObject({ status: 'Failed', failed: 2 });
    expect(verdict.reason).toBe('2 failed measurement(s), more than failureLimit 1 (last: value 0)');
  });

  test('errors only when consecutive errors pass the limit; a success in between resets the run', () => {
    expect(
      metricVerdict(both, [m('Error'), m('Error'), m('Successful'), m('Error'), m('Error')]).status,
    ).toBe('Running');
    expect(metricVerdict(both, [m('Error'), m('Error'), m('Error')])).toMatchObject({
      status: 'Error',
      consecutiveErrors: 3,
    });
  });

  test('inconclusive past inconclusiveLimit', () => {
    expect(metricVerdict(both, [m('Inconclusive'), m('Inconclusive')]).status).toBe('Inconclusive');
    expect(metricVerdict(successOnly, [m('Inconclusive')]).status).toBe('Inconclusive');
  });
});

describe('the decision', () => {
  const verdict = (status: 'Successful' | 'Failed' | 'Inconclusive' | 'Error' | 'Running') => ({
    ...metricVerdict(both, []),
    status,
    reason: 'why',
  });

  test('continues when every metric passed', () => {
    expect(
      analysisDecision([
        { metric: both, verdict: verdict('Successful') },
        { metric: successOnly, verdict: verdict('Successful') },
      ]),
    ).toEqual({ decision: 'continue' });
  });

  test('aborts on a failed or errored metric, naming it', () => {
    expect(
      analysisDecision([
        { metric: both, verdict: verdict('Successful') },
        { metric: failureOnly, verdict: verdict('Failed') },
      ]),
    ).toEqual({
      decision: 'abort',
      reason: 'metric failure-only failed: why',
    });
    expect(analysisDecision([{ metric: both, verdict: verdict('Error') }]).reason).toBe(
      'metric both errored: why',
    );
  });

  test('inconclusive aborts unless the metric says continue', () => {
    expect(analysisDecision([{ metric: both, verdict: verdict('Inconclusive') }])).toEqual({
      decision: 'abort',
      reason: 'metric both inconclusive: why (set onInconclusive: continue to accept that)',
    });
    const lenient = { ...both, onInconclusive: 'continue' as const };
    expect(analysisDecision([{ metric: lenient, verdict: verdict('Inconclusive') }]).decision).toBe(
      'continue',
    );
  });

  test('summary line', () => {
    const v = metricVerdict(both, [m('Successful'), m('Failed'), m('Successful'), m('Successful')]);
    expect(summarizeVerdict(both, v, { phase: 'Successful', value: '0.01' })).toBe(
      'both: Successful 3/4 (1 failed) last=0.01',
    );
  });
});

test('a failed metric decides before one that was cut short', () => {
  const running = metricVerdict(both, [m('Successful')]);
  const failed = metricVerdict(both, [m('Failed'), m('Failed')]);
  expect(
    analysisDecision([
      { metric: both, verdict: running },
      { metric: failureOnly, verdict: failed },
    ]).reason,
  ).toMatch(/^metric failure-only failed: /);
  expect(analysisDecision([{ metric: both, verdict: running }]).reason).toBe('metric both did not finish');
});
