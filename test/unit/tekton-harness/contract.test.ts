import type { FlagSpecs } from '../../../steps/lib/tekton/args.js';
import { defineStep, type StepDefinition } from '../../../steps/lib/tekton/step.js';
import {
  checkArgv,
  checkCatalogConventions,
  checkTask,
  invokedSteps,
  referencedParams,
  stepInvocation,
} from '../../tekton/contract.js';

const demo = defineStep({
  name: 'demo',
  summary: 'A step for the contract tests.',
  flags: {
    image: { type: 'string', description: 'Image', required: true },
    mode: { type: 'string', description: 'Mode', choices: ['fast', 'slow'], default: 'fast' },
    tag: { type: 'string', description: 'Tag', multiple: true },
    force: { type: 'boolean', description: 'Force', short: 'f' },
  },
  results: ['IMAGE_DIGEST', 'IMAGE_URL'],
  async run() {},
});
const steps = new Map<string, StepDefinition<FlagSpecs>>([['demo', demo]]);

function task(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 't' }) {
  return { apiVersion: 'tekton.dev/v1', kind: 'Task', metadata, spec };
}

describe('stepInvocation', () => {
  test('reads the step name from command: [image-lifecycle, STEP]', () => {
    expect(
      stepInvocation({ command: ['image-lifecycle', 'demo', '--force'], args: ['--image', 'x'] }, []),
    ).toEqual({
      step: 'demo',
      argv: ['--force', '--image', 'x'],
    });
  });

  test('reads it from args when one of our images runs without a command, also through a param default', () => {
    const params = [{ name: 'STEP_IMAGE', default: 'quay.io/image-lifecycle/demo:0.1.0' }];
    expect(stepInvocation({ image: '$(params.STEP_IMAGE)', args: ['demo', '--image', 'x'] }, params)).toEqual(
      {
        step: 'demo',
        argv: ['--image', 'x'],
      },
    );
  });

  test('leaves other programs alone', () => {
    expect(
      stepInvocation({ image: 'quay.io/buildah/stable:v1.41', command: ['buildah'], args: ['bud'] }, []),
    ).toBeUndefined();
  });
});

describe('checkArgv', () => {
  test('accepts what the step parser accepts', () => {
    expect(
      checkArgv(demo, [
        '--image',
        '$(params.IMAGE)',
        '--mode=slow',
        '--tag',
        'a',
        '--tag',
        'b',
        '-f',
        '--results-dir',
        '/tekton/results',
      ]),
    ).toEqual([]);
  });

  test.each([
    [
      ['--image', 'x', '--nope', 'v'],
      /^unknown flag --nope; demo accepts --image, --mode, --tag, --force, --output, --results-dir, --help$/,
    ],
    [['--image', 'x', 'stray'], /^unexpected argument "stray"/],
    [['--image'], /^--image needs a value$/],
    [['--image', 'x', '--force=true'], /^--force is a boolean flag and takes no value$/],
    [['--mode', 'fast'], /^required flag --image is not passed$/],
    [['--image', 'x', '--mode', 'medium'], /^--mode "medium" is not one of fast, slow$/],
    [['--image', 'x', '--image', 'y'], /^--image is passed 2 times but takes one value$/],
    [
      ['--image', 'x', '--results-dir', '/tmp/r'],
      /^--results-dir \/tmp\/r: Tekton reads results only from \/tekton\/results$/,
    ],
    [['--image', 'x', '--help'], /^--help makes the step print its usage/],
  ])('%j is refused', (argv, message) => {
    const problems = checkArgv(demo, argv);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  test('values with Tekton variables are not checked against choices: they are known only at run time', () => {
    expect(checkArgv(demo, ['--image', 'x', '--mode', '$(params.MODE)'])).toEqual([]);
  });
});

describe('referencedParams', () => {
  test('finds every spelling of a param reference, in nested values', () => {
    expect(
      referencedParams({
        a: ['$(params.A) $(params.B[*])', { b: "$(params['C.D'])" }],
        c: '$(params.E.key) $(context.task.name)',
      }),
    ).toEqual(['A', 'B', 'C.D', 'E']);
  });
});

describe('checkTask', () => {
  const params = [{ name: 'IMAGE' }];
  const run = {
    name: 'run',
    image: 'quay.io/image-lifecycle/demo:0.1.0',
    command: ['image-lifecycle', 'demo'],
    args: ['--image', '$(params.IMAGE)'],
  };

  test('a Task that declares a subset of the results its step writes, with its params declared, is fine', () => {
    expect(checkTask(task({ params, results: [{ name: 'IMAGE_DIGEST' }], steps: [run] }), steps)).toEqual([]);
  });

  test('a declared result no step writes is named with what the steps do write', () => {
    expect(checkTask(task({ params, results: [{ name: 'IMAGE_SIZE' }], steps: [run] }), steps)).toEqual([
      'result IMAGE_SIZE is declared but no step writes it: the steps (demo) write IMAGE_DIGEST, IMAGE_URL',
    ]);
  });

  test('a param used but not declared is named', () => {
    expect(checkTask(task({ params: [], steps: [run] }), steps)).toEqual([
      '$(params.IMAGE) is used but the Task declares no param IMAGE',
    ]);
  });

  test('a step name missing from the registry is named', () => {
    const other = { ...run, command: ['image-lifecycle', 'nope'] };
    expect(checkTask(task({ params, steps: [other] }), steps)).toEqual([
      'step run: "nope" is not a step in steps/registry.ts',
    ]);
  });

  test('flag problems name the Tekton step', () => {
    const bad = { ...run, args: ['--image', '$(params.IMAGE)', '--mode', 'medium'] };
    expect(checkTask(task({ params, steps: [bad] }), steps)).toEqual([
      'step run: --mode "medium" is not one of fast, slow',
    ]);
  });

  test('a Task that runs no image-lifecycle step is named, with the results nothing writes', () => {
    const shell = { name: 'sh', image: 'registry.access.redhat.com/ubi9/ubi-minimal:9.6', command: ['true'] };
    expect(checkTask(task({ results: [{ name: 'IMAGE_DIGEST' }], steps: [shell] }), steps)).toEqual([
      'the Task runs no image-lifecycle step (command: [image-lifecycle, STEP]): its logic belongs in a step program',
      'result IMAGE_DIGEST is declared but no step writes it: its steps write no results',
    ]);
  });

  test('invokedSteps lists the registry names a Task needs', () => {
    expect(
      invokedSteps(
        task({ params, steps: [run, { name: 'other', image: 'busybox:1.36', command: ['true'] }] }),
      ),
    ).toEqual(['demo']);
  });
});

describe('checkCatalogConventions', () => {
  const metadata = {
    name: 'image-inspect',
    labels: { 'app.kubernetes.io/version': '0.1.0' },
    annotations: {
      'tekton.dev/pipelines.minVersion': '0.56.0',
      'tekton.dev/categories': 'Image Build',
      'tekton.dev/tags': 'image',
      'tekton.dev/displayName': 'Inspect an image',
      'tekton.dev/platforms': 'linux/amd64',
    },
  };

  test('accepts a Task in tasks/<name>/<name>.yaml with the catalog labels and annotations', () => {
    expect(
      checkCatalogConventions(
        'tasks/image-inspect/image-inspect.yaml',
        task({ description: 'Inspects.' }, metadata),
      ),
    ).toEqual([]);
  });

  test('names the misplaced file and each missing piece', () => {
    const bare = { name: 'image-inspect', annotations: { 'tekton.dev/tags': 'image' } };
    expect(checkCatalogConventions('tasks/inspect/image-inspect.yaml', task({}, bare))).toEqual([
      'Task image-inspect belongs in tasks/image-inspect/image-inspect.yaml',
      'label app.kubernetes.io/version is missing',
      'annotation tekton.dev/pipelines.minVersion is missing',
      'annotation tekton.dev/categories is missing',
      'annotation tekton.dev/displayName is missing',
      'annotation tekton.dev/platforms is missing',
      'spec.description is missing',
    ]);
  });
});
