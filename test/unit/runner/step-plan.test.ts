import { parseDuration } from '../../../steps/lib/runner/duration.js';
import { parseTektonYaml } from '../../../steps/lib/runner/load.js';
import type { TaskSpec } from '../../../steps/lib/runner/model.js';
import { hostPathRewriter } from '../../../steps/lib/runner/paths.js';
import {
  exceedsTerminationMessage,
  parseResultValue,
  terminationMessage,
  TERMINATION_MESSAGE_LIMIT,
} from '../../../steps/lib/runner/results.js';
import {
  expandContainerEnv,
  planSteps,
  scriptWithShebang,
  shebang,
  taskScope,
  type TaskRunContext,
} from '../../../steps/lib/runner/step-plan.js';

function spec(yaml: string): TaskSpec {
  const doc = parseTektonYaml(
    `apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n${yaml}`,
    't.yaml',
  )[0];
  if (doc?.kind !== 'Task') throw new Error('no task');
  return doc.task.spec;
}

const context: TaskRunContext = {
  pipelineRunName: 'pr',
  pipelineRunUid: 'u1',
  pipelineName: 'p',
  namespace: 'ns',
  taskRunName: 'pr-build',
  taskRunUid: 'u2',
  taskName: 'image-build',
  retryCount: 1,
  pipelineTaskRetries: 2,
};

const TASK = spec(`
  params:
    - name: IMAGE
    - name: ARGS
      type: array
  workspaces:
    - name: source
    - name: dockerconfig
      optional: true
  results:
    - name: DIGEST
  stepTemplate:
    image: template-image
    env:
      - {name: A, value: template}
      - {name: B, value: template}
  steps:
    - name: build
      env:
        - {name: B, value: step}
        - {name: C, value: "$(A)-$(params.IMAGE)"}
      workingDir: $(workspaces.source.path)
      command: [build]
      args: ["$(params.ARGS[*])", "--out=$(results.DIGEST.path)", "$(C)", "$$(C)", "$(workspaces.dockerconfig.path)", "$(workspaces.dockerconfig.bound)"]
    - name: report
      image: other
      script: |
        echo "$(context.taskRun.name) $(context.task.name) try $(context.task.retry-count)"
        cat $(steps.step-build.exitCode.path)
`);

describe('planning the steps of a TaskRun', () => {
  const views = [
    { name: 'source', bound: true, mountPath: '/workspace/source' },
    { name: 'dockerconfig', bound: false, mountPath: '/workspace/dockerconfig' },
  ];
  const scope = taskScope(TASK, { IMAGE: 'reg/app', ARGS: ['-a', 'b c'] }, context, views);
  const [build, report] = planSteps(TASK, scope, () => undefined);

  test('stepTemplate under each step: its image, env merged by name with the step winning', () => {
    expect(build?.image).toBe('template-image');
    expect(report?.image).toBe('other');
    expect(build?.env).toEqual({ A: 'template', B: 'step', C: 'template-reg/app' });
  });

  test("Tekton's variables, array expansion, and Kubernetes' $(VAR) expansion with $$ escaping", () => {
    expect(build?.workingDir).toBe('/workspace/source');
    expect(build?.args).toEqual([
      '-a',
      'b c',
      '--out=/tekton/results/DIGEST',
      'template-reg/app',
      '$(C)',
      '',
      'false',
    ]);
  });

  test('a script without a shebang gets /bin/sh with set -e; context and step exit-code paths resolve', () => {
    expect(report?.command).toBeUndefined();
    expect(report?.script).toBe(
      '#!/bin/sh\nset -e\necho "pr-build image-build try 1"\ncat /tekton/steps/step-build/exitCode\n',
    );
  });

  test('a script naming its interpreter runs with it', () => {
    expect(scriptWithShebang('#!/usr/bin/env python3\nprint(1)')).toBe('#!/usr/bin/env python3\nprint(1)');
    expect(shebang('#!/usr/bin/env python3\nprint(1)')).toEqual(['/usr/bin/env', 'python3']);
    expect(shebang('echo hi')).toEqual([]);
  });

  test('env values from Secrets and ConfigMaps; a missing key that is not optional names the flag to give', () => {
    const withSecret = spec(`
  steps:
    - image: b
      command: [x]
      env:
        - name: TOKEN
          valueFrom: {secretKeyRef: {name: creds, key: token}}
        - name: MAYBE
          valueFrom: {configMapKeyRef: {name: cfg, key: k, optional: true}}
`);
    const s = taskScope(withSecret, {}, context, []);
    const [step] = planSteps(withSecret, s, (kind, ref) =>
      kind === 'secret' && ref.key === 'token' ? 's3cret' : undefined,
    );
    expect(step?.env).toEqual({ TOKEN: 's3cret' });
    expect(() => planSteps(withSecret, s, () => undefined)).toThrow(
      'env TOKEN: key token of secret creds is not there (give it with --secret creds=DIR)',
    );
  });

  test('container env expansion leaves unknown names alone', () => {
    expect(expandContainerEnv('$(HOME) $(X)', { X: '1' })).toBe('$(HOME) 1');
  });
});

describe('results and their 4096-byte budget', () => {
  const start = new Date('2025-01-01T00:00:00Z');

  test("the budget is the termination message Tekton's entrypoint writes, not the sum of the values", () => {
    const message = terminationMessage({ A: 'x' }, start);
    expect(JSON.parse(message)).toEqual([
      { key: 'StartedAt', value: '2025-01-01T00:00:00.000Z', type: 3 },
      { key: 'A', value: 'x', type: 1 },
    ]);
    const overhead = Buffer.byteLength(terminationMessage({ A: '' }, start));
    expect(exceedsTerminationMessage({ A: 'x'.repeat(TERMINATION_MESSAGE_LIMIT - overhead) }, start)).toBe(
      false,
    );
    expect(
      exceedsTerminationMessage({ A: 'x'.repeat(TERMINATION_MESSAGE_LIMIT - overhead + 1) }, start),
    ).toBe(true);
    // JSON escaping counts: 2000 quotes take 4000 bytes.
    expect(exceedsTerminationMessage({ A: '"'.repeat(2100) }, start)).toBe(true);
  });

  test('values by declared type: strings verbatim (whitespace kept), arrays and objects from JSON', () => {
    expect(parseResultValue({ name: 'S', type: 'string' }, ' v\n')).toBe(' v\n');
    expect(parseResultValue({ name: 'A', type: 'array' }, '["a","b"]')).toEqual(['a', 'b']);
    expect(parseResultValue({ name: 'O', type: 'object' }, '{"k":"v"}')).toEqual({ k: 'v' });
    expect(() => parseResultValue({ name: 'A', type: 'array' }, '{"k":"v"}')).toThrow(
      'result A is declared array but is not a JSON list of strings',
    );
    expect(() => parseResultValue({ name: 'A', type: 'array' }, 'a,b')).toThrow(
      'result A is declared array but is not JSON',
    );
  });
});

describe('host mode path rewriting', () => {
  const rewrite = hostPathRewriter([
    { containerPath: '/tekton/results', hostPath: '/tmp/run/results', readOnly: false },
    { containerPath: '/tmp', hostPath: '/tmp/run/volumes/tmp', readOnly: false },
    { containerPath: '/workspace/source', hostPath: '/home/me/app', readOnly: false },
  ]);

  test('container paths become host paths where they start a path', () => {
    expect(rewrite('--out=/tekton/results/DIGEST')).toBe('--out=/tmp/run/results/DIGEST');
    expect(rewrite('cd /workspace/source && ls /tmp')).toBe('cd /home/me/app && ls /tmp/run/volumes/tmp');
  });

  test('not inside other paths or names, and a rewritten path is not rewritten again', () => {
    expect(rewrite('/var/tmp /tmpfile /workspace/sourcecode')).toBe(
      '/var/tmp /tmpfile /workspace/sourcecode',
    );
    expect(rewrite('/tmp/x')).toBe('/tmp/run/volumes/tmp/x');
  });
});

describe('durations in Go format', () => {
  test.each([
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['0', 0],
    ['10', undefined],
    ['1d', undefined],
  ])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});
