import { findReferences, parseReference, wholeReference } from '../../../steps/lib/runner/expressions.js';
import type { ParamValue } from '../../../steps/lib/runner/model.js';
import {
  select,
  substituteList,
  substituteString,
  substituteValue,
  SubstitutionError,
  type Scope,
} from '../../../steps/lib/runner/substitute.js';

// Tekton's documented variable semantics (docs/variables.md, tasks.md "Substituting Array parameters",
// pipelines.md "Passing one Task's Results"): what each form of $(...) resolves to, and where it may stand.

function scope(params: Record<string, ParamValue>, results: Record<string, ParamValue> = {}): Scope {
  return {
    param: (name) => params[name],
    result: (ref) => {
      const value = results[`${ref.task}.${ref.result}`];
      if (value === undefined) throw new SubstitutionError('missing', 'missingResult');
      return select(value, ref.selector, 'r');
    },
    taskStatus: () => undefined,
    tasksStatus: () => undefined,
    variable: (key) => ({ 'context.taskRun.name': 'run-1-build' })[key],
  };
}

const s = scope(
  { name: 'app', 'dotted.name': 'd', flags: ['--a', '--b c'], target: { host: 'h', port: '80' } },
  { 'build.DIGEST': 'sha256:1', 'build.TAGS': ['1.0', 'latest'], 'build.META': { url: 'u' } },
);

describe('references', () => {
  test.each([
    ['params.name', { kind: 'param', name: 'name' }],
    ['params["dotted.name"]', { kind: 'param', name: 'dotted.name' }],
    ["params['dotted.name']", { kind: 'param', name: 'dotted.name' }],
    ['params.flags[*]', { kind: 'param', name: 'flags', selector: { kind: 'all' } }],
    ['params.flags[1]', { kind: 'param', name: 'flags', selector: { kind: 'index', index: 1 } }],
    ['params.target.host', { kind: 'param', name: 'target', selector: { kind: 'key', key: 'host' } }],
    ['tasks.build.results.DIGEST', { kind: 'result', section: 'tasks', task: 'build', result: 'DIGEST' }],
    [
      'tasks.build.results.TAGS[*]',
      { kind: 'result', section: 'tasks', task: 'build', result: 'TAGS', selector: { kind: 'all' } },
    ],
    [
      'tasks.build.results.META.url',
      {
        kind: 'result',
        section: 'tasks',
        task: 'build',
        result: 'META',
        selector: { kind: 'key', key: 'url' },
      },
    ],
    ['finally.notify.results.SENT', { kind: 'result', section: 'finally', task: 'notify', result: 'SENT' }],
    ['tasks.build.status', { kind: 'taskStatus', task: 'build' }],
    ['tasks.status', { kind: 'tasksStatus' }],
    ['results["IMAGE_DIGEST"].path', { kind: 'variable', key: 'results.IMAGE_DIGEST.path' }],
    ['workspaces.source.path', { kind: 'variable', key: 'workspaces.source.path' }],
  ])('$(%s)', (body, expected) => {
    expect(parseReference(body)).toEqual(expected);
  });

  test('a shell $(...) in a script is not a Tekton reference and stays as it is', () => {
    expect(findReferences('echo $(date) $(params.name)').map((o) => o.text)).toEqual(['$(params.name)']);
    expect(substituteString('now=$(date +%s) for $(params.name)', s)).toBe('now=$(date +%s) for app');
  });

  test('a malformed reference under a Tekton root is an error, not silently kept', () => {
    expect(() => parseReference('params.')).toThrow(/not a valid reference/);
    expect(() => parseReference('tasks.build.results')).toThrow(/not a valid reference/);
  });

  test('a whole reference is one $(...) and nothing else', () => {
    expect(wholeReference('$(params.flags[*])')).toEqual({
      kind: 'param',
      name: 'flags',
      selector: { kind: 'all' },
    });
    expect(wholeReference('x$(params.flags[*])')).toBeUndefined();
  });
});

describe('substitution', () => {
  test('string params, bracket notation for dotted names, object keys and array elements', () => {
    expect(
      substituteString('$(params.name):$(params["dotted.name"]):$(params.target.host):$(params.flags[1])', s),
    ).toBe('app:d:h:--b c');
  });

  test('an array param expands as whole elements of args, each element one argument', () => {
    expect(substituteList(['build', '$(params.flags[*])', 'url=$(params.name)'], s)).toEqual([
      'build',
      '--a',
      '--b c',
      'url=app',
    ]);
  });

  test('array results expand the same way; string and object-key results substitute in place', () => {
    expect(
      substituteList(
        [
          '$(tasks.build.results.TAGS[*])',
          '$(tasks.build.results.DIGEST)',
          '$(tasks.build.results.META.url)',
        ],
        s,
      ),
    ).toEqual(['1.0', 'latest', 'sha256:1', 'u']);
  });

  test('an array inside a longer string, or in a string field, is an error naming the reference', () => {
    expect(() => substituteString('--flags=$(params.flags[*])', s)).toThrow(/params\.flags\[\*\].*an array/);
    expect(() => substituteList(['x$(params.flags[*])'], s)).toThrow(SubstitutionError);
  });

  test('a lone [*] in a param value passes the whole array or object on', () => {
    expect(substituteValue('$(params.flags[*])', s)).toEqual(['--a', '--b c']);
    expect(substituteValue('$(params.target[*])', s)).toEqual({ host: 'h', port: '80' });
    expect(substituteValue(['first', '$(params.flags[*])'], s)).toEqual(['first', '--a', '--b c']);
    expect(substituteValue({ where: '$(params.target.host)' }, s)).toEqual({ where: 'h' });
  });

  test('selectors check the value: index out of range, key missing, [*] on a string', () => {
    expect(() => substituteString('$(params.flags[5])', s)).toThrow(/out of range/);
    expect(() => substituteString('$(params.target.user)', s)).toThrow(/no key "user"/);
    expect(() => substituteList(['$(params.name[*])'], s)).toThrow(/\[\*\] on a string/);
  });

  test('an undeclared param or unknown variable is an error; a missing result says so', () => {
    expect(() => substituteString('$(params.nope)', s)).toThrow(
      expect.objectContaining({ reason: 'unknown' }),
    );
    expect(() => substituteString('$(context.pipelineRun.name)', s)).toThrow(
      expect.objectContaining({ reason: 'unknown' }),
    );
    expect(() => substituteString('$(tasks.build.results.NOPE)', s)).toThrow(
      expect.objectContaining({ reason: 'missingResult' }),
    );
    expect(substituteString('$(context.taskRun.name)', s)).toBe('run-1-build');
  });

  test('substitution is one pass: a value containing $(...) is not substituted again', () => {
    const nested = scope({ a: '$(params.b)', b: 'no' });
    expect(substituteString('$(params.a)', nested)).toBe('$(params.b)');
  });
});
