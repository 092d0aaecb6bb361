import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAnalysis, parseSteps, readDocument, renderQuery } from '../../../steps/lib/canary/config.js';
import { UsageError } from '../../../steps/lib/errors.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

const ANALYSIS = `
maxRestarts: 1
templates:
  - name: error-rate
    query: sum(rate(http_requests_total{namespace="{{namespace}}",code=~"5.."}[1m]))
    successCondition: result < 0.05
    failureCondition: result >= 0.05
    interval: 30s
    count: 3
  - name: latency
    query: histogram_quantile(0.99, x)
    successCondition: result[0] < 0.5
    onInconclusive: continue
`;

describe('canary configuration', () => {
  const analysis = parseAnalysis(readDocument('analysis', ANALYSIS));

  test('metric templates get Argo Rollouts defaults for what is not set', () => {
    expect(analysis.maxRestarts).toBe(1);
    expect(
      analysis.templates.map(({ successCondition, failureCondition, ...rest }) => ({
        ...rest,
        s: successCondition?.text,
        f: failureCondition?.text,
      })),
    ).toEqual([
      {
        name: 'error-rate',
        query: 'sum(rate(http_requests_total{namespace="{{namespace}}",code=~"5.."}[1m]))',
        intervalMs: 30_000,
        count: 3,
        failureLimit: 0,
        consecutiveErrorLimit: 4,
        inconclusiveLimit: 0,
        onInconclusive: 'abort',
        s: 'result < 0.05',
        f: 'result >= 0.05',
      },
      {
        name: 'latency',
        query: 'histogram_quantile(0.99, x)',
        intervalMs: 10_000,
        count: 1,
        failureLimit: 0,
        consecutiveErrorLimit: 4,
        inconclusiveLimit: 0,
        onInconclusive: 'continue',
        s: 'result[0] < 0.5',
        f: undefined,
      },
    ]);
  });

  test('steps in the Argo vocabulary: setWeight, pause with a duration, analyze by template, inline, or all', () => {
    const steps = parseSteps(
      readDocument(
        'steps',
        `- setWeight: 10
- pause: {duration: 1m30s}
- analyze: {templates: [error-rate]}
- setWeight: 50
- pause: {duration: 5}
- analysis: {templates: [{templateName: latency}]}
- analyze: {metrics: [{name: inline, query: up, successCondition: result == 1, interval: 1s}]}
- analyze: {}`,
      ),
      analysis,
    );
    expect(
      steps.map((s) =>
        s.kind === 'analyze'
          ? `analyze ${s.metrics.map((m) => m.name).join('+')}`
          : s.kind === 'pause'
            ? `pause ${s.durationMs}`
            : `setWeight ${s.weight}`,
      ),
    ).toEqual([
      'setWeight 10',
      'pause 90000',
      'analyze error-rate',
      'setWeight 50',
      'pause 5000',
      'analyze latency',
      'analyze inline',
      'analyze error-rate+latency',
    ]);
  });

  test('a file can hold a document: @path', () => {
    const dir = makeTempDir('canary-config');
    writeFileSync(join(dir, 'steps.yaml'), '- setWeight: 100\n');
    expect(parseSteps(readDocument('steps', `@${join(dir, 'steps.yaml')}`), analysis)).toEqual([
      { kind: 'setWeight', weight: 100 },
    ]);
    expect(() => readDocument('steps', '@/no/such/file')).toThrow(
      '--steps "@/no/such/file": cannot read the file (ENOENT)',
    );
  });

  test.each([
    [
      '[]',
      '--steps must be a non-empty list such as [{setWeight: 10}, {pause: {duration: 30s}}, {setWeight: 50}]',
    ],
    ['[{setWeight: 120}]', '--steps[0].setWeight must be an integer from 0 to 100, got 120'],
    ['[{setWeight: 10, pause: {}}]', '--steps[0] must have exactly one of setWeight, pause, analyze'],
    [
      '[{pause: {}}]',
      '--steps[0].pause needs a duration: an indefinite pause waits for a person, which a pipeline step cannot',
    ],
    [
      '[{pause: {duration: soon}}]',
      '--steps[0].pause.duration must be a duration such as 30s, 2m or a number of seconds, got "soon"',
    ],
    [
      '[{setCanaryScale: {replicas: 1}}]',
      '--steps[0]: unknown step "setCanaryScale" (steps: setWeight, pause, analyze)',
    ],
    [
      '[{analyze: {templates: [nope]}}]',
      '--steps[0].analyze names template "nope", which --analysis does not define (defined: error-rate, latency)',
    ],
    [
      '[{analyze: {metrics: [{name: m, query: up}]}}]',
      '--steps[0].analyze.metrics[0] (m) needs a successCondition or a failureCondition',
    ],
    [
      '[{analyze: {metrics: [{name: m, query: up, successCondition: "result <"}]}}]',
      '--steps[0].analyze.metrics[0] (m).successCondition "result <": the expression ends too soon',
    ],
    [
      '[{analyze: {metrics: [{name: m, query: up, successCondition: "true", timeout: 3}]}}]',
      '--steps[0].analyze.metrics[0]: unknown field "timeout" (fields: name, query, successCondition, failureCondition, interval, count, failureLimit, consecutiveErrorLimit, inconclusiveLimit, onInconclusive)',
    ],
  ])('refuses %s with one line naming the field', (text, message) => {
    expect(() => parseSteps(readDocument('steps', text), analysis)).toThrow(new UsageError(message));
  });

  test('analysis document errors name the field', () => {
    expect(() =>
      parseAnalysis(
        readDocument('analysis', '{templates: [{name: Bad Name, query: up, successCondition: "true"}]}'),
      ),
    ).toThrow('--analysis templates[0].name must be a lowercase name such as error-rate');
    expect(() => parseAnalysis(readDocument('analysis', '{templates: [], retries: 2}'))).toThrow(
      '--analysis: unknown field "retries" (fields: templates, maxRestarts)',
    );
    expect(() => readDocument('analysis', '{a: [')).toThrow(/^--analysis: not valid YAML or JSON: /);
    expect(parseAnalysis(undefined)).toEqual({ templates: [], maxRestarts: 0 });
    expect(() => parseSteps(readDocument('steps', '[{analyze: {}}]'), parseAnalysis(undefined))).toThrow(
      '--steps[0].analyze has no metric to measure: define templates in --analysis or metrics inline',
    );
  });

  test('query placeholders are filled, and an unknown one is refused', () => {
    const context = {
      namespace: 'shop',
      stableDeployment: 'web',
      canaryDeployment: 'web-canary',
      canaryService: 'web-canary',
    };
    expect(
      renderQuery('rate(x{namespace="{{namespace}}",pod=~"{{ canary.deployment }}-.*"}[1m])', context),
    ).toBe('rate(x{namespace="shop",pod=~"web-canary-.*"}[1m])');
    expect(() => renderQuery('x{svc="{{stable.service}}"}', context)).toThrow(
      /^query placeholder \{\{stable\.service\}\} has no value here/,
    );
  });
});
