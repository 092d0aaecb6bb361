import { escapeHelp, escapeLabelValue, renderExposition } from '../../../steps/lib/metrics/exposition.js';
import { groupingPath } from '../../../steps/lib/metrics/grouping.js';
import { quantile } from '../../../steps/lib/metrics/stats.js';

describe('text exposition format', () => {
  test('HELP and TYPE lines, then samples', () => {
    expect(
      renderExposition([
        { name: 'a_total', help: 'Things.', type: 'counter', samples: [{ labels: {}, value: 3 }] },
        { name: 'empty', help: 'Never shown.', type: 'gauge', samples: [] },
        {
          name: 'b_seconds',
          help: 'Latency\\by op\nsecond line',
          type: 'gauge',
          samples: [
            { labels: { op: 'get', path: 'C:\\dir "x"\nnext' }, value: 0.25 },
            { labels: { op: 'put' }, value: Infinity },
          ],
        },
      ]),
    ).toBe(
      [
        '# HELP a_total Things.',
        '# TYPE a_total counter',
        'a_total 3',
        '# HELP b_seconds Latency\\\\by op\\nsecond line',
        '# TYPE b_seconds gauge',
        'b_seconds{op="get",path="C:\\\\dir \\"x\\"\\nnext"} 0.25',
        'b_seconds{op="put"} +Inf',
        '',
      ].join('\n'),
    );
  });

  test('escaping rules differ between label values and HELP', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('a\\b"c\nd')).toBe('a\\\\b"c\\nd');
  });

  test('NaN and -Inf are spelled as Prometheus reads them', () => {
    expect(
      renderExposition([
        {
          name: 'x',
          help: 'h',
          type: 'gauge',
          samples: [
            { labels: {}, value: NaN },
            { labels: { a: 'b' }, value: -Infinity },
          ],
        },
      ]),
    ).toContain('x NaN\nx{a="b"} -Inf\n');
  });

  test('invalid names are refused', () => {
    expect(() =>
      renderExposition([{ name: '1bad', help: '', type: 'gauge', samples: [{ labels: {}, value: 1 }] }]),
    ).toThrow('invalid metric name');
    expect(() =>
      renderExposition([
        { name: 'ok', help: '', type: 'gauge', samples: [{ labels: { __x: 'y' }, value: 1 }] },
      ]),
    ).toThrow('invalid label name');
  });
});

describe('grouping key path', () => {
  test('plain values are path segments, in order', () => {
    expect(
      groupingPath([
        ['job', 'image-lifecycle'],
        ['pipeline', 'build-and-deploy'],
        ['application', 'cart'],
        ['environment', 'dev'],
      ]),
    ).toBe('/metrics/job/image-lifecycle/pipeline/build-and-deploy/application/cart/environment/dev');
  });

  test('values with a slash use the @base64 form (URL-safe alphabet); empty values are "="', () => {
    expect(
      groupingPath([
        ['job', 'j'],
        ['application', 'team/cart?'],
        ['environment', ''],
      ]),
    ).toBe(
      `/metrics/job/j/application@base64/${Buffer.from('team/cart?').toString('base64url')}/environment@base64/=`,
    );
    expect(Buffer.from('team/cart?').toString('base64url')).toBe('dGVhbS9jYXJ0Pw');
  });

  test('other special characters are percent-encoded', () => {
    expect(groupingPath([['job', 'a b%c']])).toBe('/metrics/job/a%20b%25c');
  });

  test('a key starts with job', () => {
    expect(() => groupingPath([['pipeline', 'x']])).toThrow('a grouping key starts with job');
  });
});

describe('quantile (nearest rank)', () => {
  test.each([
    [[5], 0.95, 5],
    [[1, 2, 3, 4], 0.5, 2],
    [[10, 1, 7, 3, 2, 9, 4, 8, 6, 5], 0.95, 10],
    [[10, 1, 7, 3, 2, 9, 4, 8, 6, 5], 0.5, 5],
    [Array.from({ length: 100 }, (_, i) => i + 1), 0.95, 95],
  ])('%j q=%d → %d', (values, q, expected) => {
    expect(quantile(values, q)).toBe(expected);
  });
});
