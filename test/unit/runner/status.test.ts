import {
  aggregateStatus,
  conclude,
  executionStatus,
  SkipReason,
  whenAllows,
  type TaskOutcome,
} from '../../../steps/lib/runner/status.js';

function outcome(name: string, status: TaskOutcome['status'], reason: string = status): TaskOutcome {
  return {
    name,
    section: 'tasks',
    status,
    reason,
    results: {},
    durationMs: 0,
    attempts: status === 'Skipped' ? 0 : 1,
  };
}

const ok = outcome('a', 'Succeeded');
const failed = outcome('b', 'Failed');
const skipped = outcome('c', 'Skipped', SkipReason.when);
const ignored = outcome('d', 'Failed', 'FailureIgnored');

// pipelines.md: "Using Execution Status of pipelineTask" and "Using Aggregate Execution Status of All Tasks".
describe('$(tasks.<name>.status) and $(tasks.status)', () => {
  test('a task is Succeeded, Failed, or None when skipped or not run', () => {
    expect([ok, failed, skipped, undefined].map(executionStatus)).toEqual([
      'Succeeded',
      'Failed',
      'None',
      'None',
    ]);
  });

  test.each([
    [[ok, ok], 'Succeeded'],
    [[ok, failed, skipped], 'Failed'],
    [[ok, skipped], 'Completed'],
    [[ok, undefined], 'None'],
    [[ok, ignored], 'Succeeded'],
  ] as const)('%#: aggregate %s', (outcomes, expected) => {
    expect(aggregateStatus(outcomes)).toBe(expected);
  });
});

describe('the PipelineRun condition (pipelines.md, "PipelineRun Status with finally")', () => {
  test.each([
    [[ok], undefined, 'Succeeded', 'Succeeded'],
    [[ok, skipped], undefined, 'Completed', 'Completed'],
    [[ok, { ...failed, section: 'finally' as const }], undefined, 'Failed', 'Failed'],
    [[failed, ok], undefined, 'Failed', 'Failed'],
    [[ok, ignored], undefined, 'Succeeded', 'Succeeded'],
    [[ok], 'timeout', 'Failed', 'PipelineRunTimeout'],
    [[ok], 'cancelled', 'Failed', 'Cancelled'],
  ] as const)('%#: %s', (outcomes, ended, status, reason) => {
    expect(conclude(outcomes, ended)).toEqual({ status, reason });
  });
});

describe('when expressions', () => {
  test('in and notin, all expressions must hold', () => {
    expect(whenAllows([{ input: 'main', operator: 'in', values: ['main', 'release'] }])).toBe(true);
    expect(whenAllows([{ input: 'main', operator: 'notin', values: ['main'] }])).toBe(false);
    expect(
      whenAllows([
        { input: 'a', operator: 'in', values: ['a'] },
        { input: 'b', operator: 'in', values: ['a'] },
      ]),
    ).toBe(false);
    expect(whenAllows([])).toBe(true);
  });
});
