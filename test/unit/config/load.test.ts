import fc from 'fast-check';
import yaml from 'js-yaml';
import { loadYaml, loadYamlAll, parseJson } from '../../../steps/lib/config/load.js';
import { billionLaughs } from '../../hardening/documents.js';

describe('loadYaml', () => {
  test('loads ordinary YAML, anchors and merge keys included', () => {
    const text =
      'base: &base {image: app, replicas: 2}\nprod:\n  <<: *base\n  replicas: 5\nlist: [*base, *base]\n';
    expect(loadYaml(text)).toEqual({
      base: { image: 'app', replicas: 2 },
      prod: { image: 'app', replicas: 5 },
      list: [
        { image: 'app', replicas: 2 },
        { image: 'app', replicas: 2 },
      ],
    });
  });

  // js-yaml shares aliased nodes, so the bomb only explodes in whoever walks the result: the error is the guard.
  test('refuses an alias bomb, with a js-yaml error on the line of the first alias', () => {
    let error: unknown;
    try {
      loadYaml(billionLaughs());
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(yaml.YAMLException);
    expect((error as yaml.YAMLException).reason).toMatch(
      /^aliases expand to more than \d+ nodes \(an alias bomb\?\)/,
    );
    expect((error as yaml.YAMLException).mark.line).toBe(1);
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  test('refuses a self-referencing alias, which would send a reader round for ever', () => {
    expect(() => loadYaml('a: &a [*a]')).toThrow(/alias bomb/);
  });

  test('refuses a __proto__ key', () => {
    expect(() => loadYaml('x: 1\n__proto__: {polluted: true}\n')).toThrow(
      /"__proto__" is not allowed \(2:1\)/,
    );
  });

  test('keeps js-yaml errors for syntax and duplicate keys, and honours the schema', () => {
    expect(() => loadYaml('a: 1\na: 2')).toThrow(yaml.YAMLException);
    expect(() => loadYaml('a: [1')).toThrow(yaml.YAMLException);
    expect(loadYaml('d: 2025-03-01', { schema: yaml.CORE_SCHEMA })).toEqual({ d: '2025-03-01' });
  });

  test('loadYamlAll checks every document', () => {
    expect(loadYamlAll('a: 1\n---\nb: 2\n')).toEqual([{ a: 1 }, { b: 2 }]);
    expect(() => loadYamlAll(`a: 1\n---\n${billionLaughs()}`)).toThrow(/alias bomb/);
  });
});

describe('parseJson', () => {
  test.each([
    ['{"a": 1, "a": 2}', 'duplicate key "a" at $'],
    ['{"auths": {"quay.io": {}, "quay.io": {"auth": "x"}}}', 'duplicate key "quay.io" at $.auths'],
    ['[{"x": {"k": 1, "\\u006b": 2}}]', 'duplicate key "k" at $[].x'],
    ['{"a": {"__proto__": {"polluted": true}}}', 'the key "__proto__" is not allowed at $.a'],
  ])('%s', (text, message) => {
    expect(() => parseJson(text)).toThrow(new SyntaxError(message));
  });

  test('the same key in sibling objects, and keys that look alike in strings, are fine', () => {
    expect(parseJson('[{"a": 1}, {"a": 2}, {"b": "\\"a\\": 3, \\"a\\": 4"}]')).toEqual([
      { a: 1 },
      { a: 2 },
      { b: '"a": 3, "a": 4' },
    ]);
  });

  test('keeps JSON.parse errors for malformed text', () => {
    expect(() => parseJson('{"a": ')).toThrow(SyntaxError);
  });

  test('agrees with JSON.parse on every JSON document without duplicate keys', () => {
    const value = fc.jsonValue().filter((v) => !JSON.stringify(v).includes('"__proto__"'));
    fc.assert(
      fc.property(value, fc.constantFrom(0, 2), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        expect(parseJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  test('finds a key repeated anywhere in a generated document', () => {
    const object = fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), {
      minKeys: 1,
      maxKeys: 5,
    });
    fc.assert(
      fc.property(object, fc.jsonValue({ maxDepth: 1 }), (obj, extra) => {
        fc.pre(!('__proto__' in obj) && !JSON.stringify(obj).includes('"__proto__"'));
        const key = Object.keys(obj)[0] as string;
        const text = `{"outer": [${JSON.stringify(obj).slice(0, -1)}, ${JSON.stringify(key)}: ${JSON.stringify(extra)}}]}`;
        expect(() => parseJson(text)).toThrow(`duplicate key ${JSON.stringify(key)} at $.outer[]`);
      }),
      { numRuns: 300 },
    );
  });
});
