import { parseDuration, timerMs } from '../../../steps/lib/runner/duration.js';

describe('durations beyond what a number or a timer holds', () => {
  test('a duration too large to add up exactly is not a duration', () => {
    expect(parseDuration('99999999999999999999h')).toBeUndefined();
    expect(parseDuration('720h')).toBe(720 * 3_600_000);
  });

  test("a month-long timeout does not fire at once (Node's timers hold at most 2^31-1 ms)", async () => {
    const month = parseDuration('720h') as number;
    const signal = AbortSignal.timeout(timerMs(month));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(signal.aborted).toBe(false);
    expect(timerMs(5000)).toBe(5000);
  });
});
