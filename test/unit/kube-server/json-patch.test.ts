import { applyJsonPatch, decodeJsonPatch } from '../../kube-server/patch/json-patch.js';
import { PatchApplyError, PatchDecodeError } from '../../kube-server/patch/errors.js';
import type { Json } from '../../kube-server/json.js';

const apply = (doc: Json, ops: unknown) => applyJsonPatch(doc, decodeJsonPatch(ops));

describe('JSON Patch (RFC 6902)', () => {
  test('add sets an object member, inserts into an array, and appends with "-"', () => {
    expect(apply({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }])).toEqual({
      foo: 'bar',
      baz: 'qux',
    });
    expect(apply({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }])).toEqual({
      foo: ['bar', 'qux', 'baz'],
    });
    expect(apply({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc'] }])).toEqual({
      foo: ['bar', ['abc']],
    });
  });

  test('remove and replace need the target to exist', () => {
    expect(apply({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }])).toEqual({ foo: 'bar' });
    expect(apply({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }])).toEqual({
      foo: ['bar', 'baz'],
    });
    expect(apply({ baz: 'qux' }, [{ op: 'replace', path: '/baz', value: 'boo' }])).toEqual({ baz: 'boo' });
    expect(() => apply({}, [{ op: 'replace', path: '/missing', value: 1 }])).toThrow(PatchApplyError);
    expect(() => apply({ a: [1] }, [{ op: 'remove', path: '/a/1' }])).toThrow(/out of bounds/);
  });

  test('move and copy take a value from one place to another', () => {
    expect(
      apply({ foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [
        { op: 'move', from: '/foo/waldo', path: '/qux/thud' },
      ]),
    ).toEqual({
      foo: { bar: 'baz' },
      qux: { corge: 'grault', thud: 'fred' },
    });
    expect(
      apply({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }]),
    ).toEqual({ foo: ['all', 'cows', 'eat', 'grass'] });
    expect(apply({ a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }])).toEqual({
      a: { b: 1 },
      c: { b: 1 },
    });
    expect(() => apply({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }])).toThrow(/own child/);
  });

  test('a failing test operation fails the whole patch and changes nothing', () => {
    const doc = { baz: 'qux', foo: ['a', 2, 'c'] };
    expect(apply(doc, [{ op: 'test', path: '/foo', value: ['a', 2, 'c'] }])).toEqual(doc);
    expect(() =>
      apply(doc, [
        { op: 'replace', path: '/baz', value: 'x' },
        { op: 'test', path: '/baz', value: 'qux' },
      ]),
    ).toThrow(/test failed/);
    expect(doc.baz).toBe('qux');
  });

  test('~1 and ~0 escape "/" and "~" in member names', () => {
    expect(
      apply({ metadata: { annotations: { 'a/b~c': '1' } } }, [
        { op: 'replace', path: '/metadata/annotations/a~1b~0c', value: '2' },
      ]),
    ).toEqual({
      metadata: { annotations: { 'a/b~c': '2' } },
    });
  });

  test('malformed documents are decode errors (HTTP 400), not apply errors', () => {
    expect(() => decodeJsonPatch({ op: 'add' })).toThrow(PatchDecodeError);
    expect(() => decodeJsonPatch([{ op: 'frobnicate', path: '/a' }])).toThrow(PatchDecodeError);
    expect(() => decodeJsonPatch([{ op: 'add', path: 'a', value: 1 }])).toThrow(/must start with/);
    expect(() => decodeJsonPatch([{ op: 'add', path: '/a' }])).toThrow(/missing "value"/);
    expect(() => decodeJsonPatch([{ op: 'copy', path: '/a' }])).toThrow(/missing "from"/);
  });

  test('array indexes are plain decimal numbers', () => {
    expect(() => apply({ a: [1, 2] }, [{ op: 'replace', path: '/a/01', value: 3 }])).toThrow(
      /not an array index/,
    );
  });
});
