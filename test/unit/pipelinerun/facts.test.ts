import { parseCanaryResult } from '../../../steps/lib/pipelinerun/canary.js';
import { describeScan, parseScanSummary } from '../../../steps/lib/pipelinerun/scan-summary.js';

describe('parseScanSummary', () => {
  test.each([
    ['{"CRITICAL":1,"HIGH":2}', { counts: { CRITICAL: 1, HIGH: 2 } }],
    [
      '{"counts":{"critical":0,"important":3},"decision":"pass"}',
      { counts: { CRITICAL: 0, HIGH: 3 }, decision: 'pass' },
    ],
    ['{"Moderate":4,"total":4,"blocked":false}', { counts: { MEDIUM: 4 }, decision: 'pass' }],
    ['CRITICAL=0 HIGH=7, unknown: 1', { counts: { CRITICAL: 0, HIGH: 7, UNKNOWN: 1 } }],
    ['scan skipped: no SBOM', { counts: {}, text: 'scan skipped: no SBOM' }],
  ])('%s', (value, expected) => {
    expect(parseScanSummary('metrics', value)).toEqual(expected);
  });

  test('empty means no scan', () => {
    expect(parseScanSummary('metrics', '  ')).toBeUndefined();
  });

  test('describes counts most severe first', () => {
    expect(describeScan({ counts: { LOW: 3, CRITICAL: 1, HIGH: 0 } })).toBe('1 critical, 3 low');
    expect(describeScan({ counts: { HIGH: 0 }, decision: 'pass' })).toBe('no findings (gate: pass)');
  });
});

describe('parseCanaryResult', () => {
  test.each([
    ['Promoted after 3 steps', 'success'],
    ['Succeeded', 'success'],
    ['aborted: error rate 7% > 5%', 'failure'],
    ['rolled back to sha256:abc', 'failure'],
    ['Failed', 'failure'],
    ['skipped', 'other'],
  ])('%s → %s', (value, outcome) => {
    expect(parseCanaryResult(value)?.outcome).toBe(outcome);
  });

  test('empty means no canary', () => {
    expect(parseCanaryResult('')).toBeUndefined();
  });
});
