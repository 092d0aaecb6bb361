import { findScriptInjections } from '../../tekton/script-injection.js';

describe('findScriptInjections', () => {
  test('finds every Tekton variable family in a step script, not only params', () => {
    const doc = {
      kind: 'Task',
      spec: {
        steps: [
          {
            name: 's',
            script:
              '#!/bin/sh\necho "$(params.A)" > $(results.OUT.path); ls $(workspaces.src.path) $(context.taskRun.name)',
          },
        ],
      },
    };
    expect(findScriptInjections(doc).map((i) => `${i.path} ${i.variable}`)).toEqual([
      'spec.steps[0].script $(params.A)',
      'spec.steps[0].script $(results.OUT.path)',
      'spec.steps[0].script $(workspaces.src.path)',
      'spec.steps[0].script $(context.taskRun.name)',
    ]);
  });

  test('looks into sidecars, embedded taskSpecs of Pipelines and TriggerTemplate resourcetemplates', () => {
    const pipeline = {
      kind: 'Pipeline',
      spec: {
        tasks: [{ name: 'a', taskSpec: { sidecars: [{ script: 'echo $(tasks.b.results.X)' }] } }],
        finally: [{ name: 'f', taskSpec: { steps: [{ script: "echo $(params['odd.name'])" }] } }],
      },
    };
    const template = {
      kind: 'TriggerTemplate',
      spec: {
        resourcetemplates: [
          {
            kind: 'PipelineRun',
            spec: {
              pipelineSpec: { tasks: [{ taskSpec: { steps: [{ script: 'echo $(tt.params.sha)' }] } }] },
            },
          },
        ],
      },
    };
    expect(findScriptInjections(pipeline).map((i) => i.path)).toEqual([
      'spec.tasks[0].taskSpec.sidecars[0].script',
      'spec.finally[0].taskSpec.steps[0].script',
    ]);
    expect(findScriptInjections(template)).toEqual([
      {
        path: 'spec.resourcetemplates[0].spec.pipelineSpec.tasks[0].taskSpec.steps[0].script',
        variable: '$(tt.params.sha)',
      },
    ]);
  });

  test('finds the code string of sh -c, in command or in args', () => {
    expect(findScriptInjections({ command: ['/bin/sh', '-c', 'echo $(params.A)'] })).toEqual([
      { path: 'command[2]', variable: '$(params.A)' },
    ]);
    expect(findScriptInjections({ command: ['bash'], args: ['-euc', 'echo $(params.A)'] })).toEqual([
      { path: 'args[1]', variable: '$(params.A)' },
    ]);
  });

  test('leaves exec-form args, env values and shell command substitution alone', () => {
    const step = {
      command: ['image-lifecycle', 'inspect'],
      args: ['--image', '$(params.IMAGE)'],
      env: [{ name: 'IMAGE', value: '$(params.IMAGE)' }],
      script: '#!/bin/sh\nimage-lifecycle inspect --image "$IMAGE" --since "$(date +%s)"',
    };
    expect(findScriptInjections({ spec: { steps: [step] } })).toEqual([]);
  });
});
