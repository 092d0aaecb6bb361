import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseImage, parseContainerfile, substitute } from '../../../steps/lib/build/containerfile.js';
import { UsageError } from '../../../steps/lib/errors.js';

const args = (entries: Record<string, string> = {}) => new Map(Object.entries(entries));

describe('baseImage', () => {
  test.each([
    ['single stage', 'FROM quay.io/org/base:1\nRUN x\n', undefined, {}, 'quay.io/org/base:1'],
    [
      'last stage of several',
      'FROM golang:1.22 AS build\nRUN go build\nFROM registry.access.redhat.com/ubi9/ubi-minimal:9.4\nCOPY --from=build /a /a\n',
      undefined,
      {},
      'registry.access.redhat.com/ubi9/ubi-minimal:9.4',
    ],
    ['--target picks a stage', 'FROM a.io/x:1 AS build\nFROM b.io/y:2 AS runtime\n', 'build', {}, 'a.io/x:1'],
    ['target matched case-insensitively', 'FROM a.io/x:1 AS Build\nFROM b.io/y:2\n', 'build', {}, 'a.io/x:1'],
    [
      'FROM an earlier stage is followed to its image',
      'FROM a.io/base:1 AS deps\nRUN x\nFROM deps AS test\nFROM test\n',
      undefined,
      {},
      'a.io/base:1',
    ],
    ['global ARG default', 'ARG BASE=a.io/x:1\nFROM ${BASE}\n', undefined, {}, 'a.io/x:1'],
    [
      'build arg overrides the default',
      'ARG BASE=a.io/x:1\nFROM $BASE\n',
      undefined,
      { BASE: 'b.io/y:2' },
      'b.io/y:2',
    ],
    ['${VAR:-default}', 'ARG TAG\nFROM a.io/x:${TAG:-latest}\n', undefined, {}, 'a.io/x:latest'],
    ['--platform flag ignored', 'FROM --platform=$BUILDPLATFORM a.io/x:1 AS b\n', undefined, {}, 'a.io/x:1'],
    [
      'continuation lines and comments',
      '# syntax=docker/dockerfile:1\nFROM \\\n  a.io/x:1 \\\n  AS b\n',
      undefined,
      {},
      'a.io/x:1',
    ],
    ['lower-case instructions', 'from a.io/x:1 as b\n', undefined, {}, 'a.io/x:1'],
  ])('%s', (_name, text, target, buildArgs, expected) => {
    expect(baseImage(parseContainerfile(text, args(buildArgs)), target)).toEqual({
      kind: 'image',
      name: expected,
    });
  });

  test('scratch, directly or through a stage', () => {
    expect(baseImage(parseContainerfile('FROM scratch\nCOPY a /\n'))).toEqual({ kind: 'scratch' });
    expect(baseImage(parseContainerfile('FROM scratch AS s\nFROM s\n'))).toEqual({ kind: 'scratch' });
  });

  test('ARGs after the first FROM do not reach FROM lines', () => {
    expect(parseContainerfile('FROM a.io/x:1\nARG LATE=b.io/y:2\nFROM $LATE\n').stages[1]?.from).toBe('');
  });

  test('the sample app builds on BASE_IMAGE', () => {
    const text = readFileSync(
      join(__dirname, '..', '..', '..', 'examples', 'sample-app', 'Containerfile'),
      'utf8',
    );
    expect(baseImage(parseContainerfile(text, args({ BASE_IMAGE: '127.0.0.1:5000/sample/base:1' })))).toEqual(
      { kind: 'image', name: '127.0.0.1:5000/sample/base:1' },
    );
    expect(baseImage(parseContainerfile(text), 'build')).toEqual({
      kind: 'image',
      name: 'localhost/image-lifecycle/sample-base:latest',
    });
  });

  test.each([
    ['RUN x\n', undefined, /no FROM instruction/],
    ['FROM a.io/x AS one\n', 'two', /--target two: no stage of that name .*stages: one/],
    ['ARG B\nFROM $B\n', undefined, /FROM of stage 1 is empty after build arguments/],
  ])('%j is a usage error', (text, target, message) => {
    expect(() => baseImage(parseContainerfile(text), target)).toThrow(UsageError);
    expect(() => baseImage(parseContainerfile(text), target)).toThrow(message);
  });
});

describe('substitute', () => {
  const vars = new Map<string, string | undefined>([
    ['A', 'x'],
    ['E', ''],
  ]);
  test.each([
    ['$A', 'x'],
    ['${A}-y', 'x-y'],
    ['${E:-d}', 'd'],
    ['${A:+alt}', 'alt'],
    ['${E:+alt}', ''],
    ['$MISSING', ''],
  ])('%s → %j', (text, expected) => expect(substitute(text, vars)).toBe(expected));
});
