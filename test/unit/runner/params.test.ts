import { UsageError } from '../../../steps/lib/errors.js';
import type { ParamSpec } from '../../../steps/lib/runner/model.js';
import { ParamError, parseParamFlags, resolveParams } from '../../../steps/lib/runner/params.js';

const specs: ParamSpec[] = [
  { name: 'IMAGE', type: 'string' },
  { name: 'TAGS', type: 'array', default: ['latest'] },
  {
    name: 'target',
    type: 'object',
    properties: ['host', 'port'],
    default: { host: 'localhost', port: '80' },
  },
  { name: 'dotted.name', type: 'string', default: 'd' },
];

describe('--param values, read by the declared type (like tkn)', () => {
  test('a string is taken whole, commas and = included', () => {
    expect(parseParamFlags(['IMAGE=reg/app:1,2=x'], specs).get('IMAGE')).toBe('reg/app:1,2=x');
  });

  test('an array from a comma list or a JSON list; empty is no elements', () => {
    expect(parseParamFlags(['TAGS=a,b'], specs).get('TAGS')).toEqual(['a', 'b']);
    expect(parseParamFlags(['TAGS=["a,b","c"]'], specs).get('TAGS')).toEqual(['a,b', 'c']);
    expect(parseParamFlags(['TAGS='], specs).get('TAGS')).toEqual([]);
  });

  test('an object key by key, or as a JSON mapping', () => {
    expect(parseParamFlags(['target.host=example', 'target.port=8080'], specs).get('target')).toEqual({
      host: 'example',
      port: '8080',
    });
    expect(parseParamFlags(['target={"host":"h"}'], specs).get('target')).toEqual({ host: 'h' });
  });

  test('a param whose own name has a dot is matched before object keys', () => {
    expect(parseParamFlags(['dotted.name=x'], specs).get('dotted.name')).toBe('x');
  });

  test.each([
    [['nope=1'], /--param nope: the pipeline has no such param \(params: IMAGE, TAGS, target, dotted.name\)/],
    [['IMAGE'], /must have the form NAME=VALUE/],
    [['TAGS=[1'], /--param TAGS is not valid JSON/],
    [['TAGS=[1,2]'], /must be a JSON list of strings/],
    [['target=host'], /target is an object: give target.KEY=VALUE/],
    [['IMAGE.x=1'], /IMAGE is a string, not an object/],
  ])('%j is one clear usage error', (entries, message) => {
    expect(() => parseParamFlags(entries, specs)).toThrow(UsageError);
    expect(() => parseParamFlags(entries, specs)).toThrow(message);
  });
});

describe('resolving params against their specs', () => {
  test('defaults fill what is not given; object keys merge over the default', () => {
    const values = resolveParams(
      specs,
      new Map<string, string | Record<string, string>>([
        ['IMAGE', 'i'],
        ['target', { port: '9' }],
      ]),
      'pipeline p',
    );
    expect(values).toEqual({
      IMAGE: 'i',
      TAGS: ['latest'],
      target: { host: 'localhost', port: '9' },
      'dotted.name': 'd',
    });
  });

  test('a missing required param is named, with Tekton reason ParameterMissing', () => {
    expect(() => resolveParams(specs, new Map(), 'task build')).toThrow(
      'task build: param IMAGE is required and has no default',
    );
    expect(() => resolveParams(specs, new Map(), 'task build')).toThrow(
      expect.objectContaining({ reason: 'ParameterMissing' }),
    );
  });

  test('a value of the wrong type is a ParameterTypeMismatch', () => {
    const wrong = new Map([['IMAGE', ['a']]]);
    expect(() => resolveParams(specs, wrong, 'task build')).toThrow(ParamError);
    expect(() => resolveParams(specs, wrong, 'task build')).toThrow(
      'param IMAGE must be a string, got an array',
    );
  });

  test('an object without one of its declared keys and no default for it is missing that key', () => {
    const spec: ParamSpec[] = [{ name: 'o', type: 'object', properties: ['a', 'b'] }];
    expect(() => resolveParams(spec, new Map([['o', { a: '1' }]]), 't')).toThrow(
      'object param o lacks key b',
    );
  });

  test('values for params a Task does not declare are ignored, as Tekton ignores them', () => {
    expect(
      resolveParams(
        [{ name: 'a', type: 'string' }],
        new Map([
          ['a', '1'],
          ['extra', '2'],
        ]),
        't',
      ),
    ).toEqual({ a: '1' });
  });
});
