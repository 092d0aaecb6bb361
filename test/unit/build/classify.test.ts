import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyFailure, finalError, type FailureKind } from '../../../steps/lib/build/classify.js';

const fixture = (name: string) =>
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'buildah', `${name}.txt`), 'utf8');

// Every fixture is buildah 1.28 output captured from a real run against the test registry, the fault proxy,
// or a Containerfile with the fault named.
const cases: Array<[string, FailureKind, 1 | 2 | 3]> = [
  ['pull-503', 'transient', 3],
  ['push-503', 'transient', 3],
  ['push-manifest-503', 'transient', 3],
  ['push-upload-503', 'transient', 3],
  // containers/image writes the status as "503 (Service Unavailable)" when a blob check fails (hardening fault suite).
  ['push-blob-check-503', 'transient', 3],
  ['pull-429', 'transient', 3],
  ['push-429', 'transient', 3],
  ['pull-manifest-429', 'transient', 3],
  ['pull-reset', 'transient', 3],
  ['push-reset', 'transient', 3],
  ['pull-blob-reset', 'transient', 3],
  ['pull-truncate', 'transient', 3],
  ['push-truncate', 'transient', 3],
  ['connection-refused', 'transient', 3],
  ['pull-basic-nocreds', 'auth', 1],
  ['pull-basic-badcreds', 'auth', 1],
  ['pull-token-nocreds', 'auth', 1],
  ['pull-token-badcreds', 'auth', 1],
  ['push-token-reader', 'auth', 1],
  ['push-basic-nocreds', 'auth', 1],
  ['base-manifest-unknown', 'base-unknown', 1],
  ['run-exit-status', 'run', 1],
  ['run-command-failed', 'run', 1],
  ['run-shell-syntax', 'run', 1],
  ['build-copy-missing-source', 'build', 1],
  ['syntax-unknown-instruction', 'syntax', 2],
  ['syntax-missing-argument', 'syntax', 2],
  ['syntax-no-from', 'syntax', 2],
  ['syntax-unknown-stage', 'syntax', 2],
  ['input-target-not-found', 'input', 2],
  ['input-uppercase-reference', 'input', 2],
  ['input-http-registry-without-insecure', 'input', 2],
];

describe('classifyFailure on captured buildah output', () => {
  test.each(cases)('%s → %s (exit %d)', (name, kind, exitCode) => {
    const failure = classifyFailure(fixture(name));
    expect(failure).toMatchObject({ kind, exitCode, transient: kind === 'transient' });
    expect(failure.message).not.toContain('\n');
    expect(failure.message.length).toBeGreaterThan(10);
  });

  test('a RUN step that printed network errors is still a failing RUN, not a retry', () => {
    const output =
      'STEP 2/2: RUN curl http://example.invalid\ncurl: (7) connection refused\nError: building at STEP "RUN curl http://example.invalid": exit status 7\n';
    expect(classifyFailure(output)).toMatchObject({ kind: 'run', transient: false });
  });

  test('a RUN command mentioning denied or EOF is classified by its exit status', () => {
    expect(classifyFailure('Error: building at STEP "RUN cat <<EOF > denied.txt": exit status 1').kind).toBe(
      'run',
    );
  });

  test('a registry port that looks like a status code is not a 5xx', () => {
    expect(
      classifyFailure(
        'Error: creating build container: reg.example:503/app: repository name must be lowercase',
      ).kind,
    ).toBe('input');
  });

  test('multi-line registry errors are quoted whole on one line', () => {
    expect(finalError(fixture('push-token-reader'))).toMatch(
      /errors: \| denied: requested access to the resource is denied \| unauthorized: authentication required$/,
    );
  });

  test('the Go struct dump buildah appends to a syntax error is left out of the quote', () => {
    expect(finalError(fixture('syntax-unknown-instruction'))).toBe(
      'building at STEP "FORM ": Build error: Unknown instruction: "FORM"',
    );
  });

  test('unrecognized output is a permanent build error quoting the last line', () => {
    expect(classifyFailure('something odd happened\n')).toEqual({
      kind: 'build',
      transient: false,
      exitCode: 1,
      message: 'something odd happened',
    });
  });
});
