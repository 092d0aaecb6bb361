import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { step } from '../../../steps/base-image-check/main.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

// Every case fails before any request: nothing listens at the registry named here.
const dir = makeTempDir('base-image-check-bad-input');
const template = join(dir, 'run.yaml');
writeFileSync(
  template,
  'apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  generateName: rebuild-\nspec: {}\n',
);
const IMG = ['--image', '127.0.0.1:1/app:1'];

test.each([
  [[], /base-image-check: give --image, or --registry with --repository/],
  [
    ['--image', 'Bad/Name:1'],
    /--image: invalid image reference "Bad\/Name:1": repository names must be lowercase/,
  ],
  [['--repository', 'app/*'], /--repository needs --registry/],
  [['--registry', 'https://x', '--repository', 'a'], /--registry must be a registry host/],
  [[...IMG, '--tag', 'a b!'], /--tag "b!" is not a tag or tag glob/],
  [[...IMG, '--rebuild', 'soon'], /--rebuild must be one of none, create, write, got "soon"/],
  [[...IMG, '--rebuild', 'create'], /--rebuild create\|write needs --pipelinerun-template/],
  [
    [...IMG, '--rebuild', 'write', '--pipelinerun-template', template],
    /--rebuild write needs --pipelinerun-dir/,
  ],
  [
    [
      ...IMG,
      '--rebuild',
      'write',
      '--pipelinerun-template',
      join(dir, 'none.yaml'),
      '--pipelinerun-dir',
      dir,
    ],
    /--pipelinerun-template .*none\.yaml: cannot read it/,
  ],
  [[...IMG, '--concurrency', 'many'], /--concurrency must be a whole number/],
])('%j exits 2 with one line naming the input', async (argv, message) => {
  const run = await runStepInProcess(step, argv);
  expect(run).toExitWith(2);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(message);
});
