import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { step } from '../../../steps/base-image-check/main.js';
import { loadTemplate } from '../../../steps/lib/base-image/pipelinerun.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Doc = any;

const docs = yaml
  .loadAll(readFileSync(join(REPO_ROOT, 'triggers', 'cron', 'base-image-check-cronjob.yaml'), 'utf8'))
  .filter(Boolean) as Doc[];
const task = yaml.load(
  readFileSync(join(REPO_ROOT, 'tasks', 'base-image-check', 'base-image-check.yaml'), 'utf8'),
) as Doc;
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
const configMap = (name: string) => byKind('ConfigMap').find((d) => d.metadata.name === name);
const cron = byKind('CronJob')[0];
const pod = cron.spec.jobTemplate.spec.template.spec;

/** Rules a ServiceAccount gets through the RoleBindings of this file. */
function rulesOf(serviceAccount: string): Doc[] {
  const roles = byKind('RoleBinding')
    .filter((b) => b.subjects.some((s: Doc) => s.kind === 'ServiceAccount' && s.name === serviceAccount))
    .map((b) => b.roleRef.name);
  return byKind('Role')
    .filter((r) => roles.includes(r.metadata.name))
    .flatMap((r) => r.rules);
}
const allows = (rules: Doc[], group: string, resource: string, verb: string) =>
  rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));

describe('triggers/cron/base-image-check-cronjob.yaml', () => {
  test('the CronJob runs daily and creates exactly the TaskRun file its ConfigMap volume holds', () => {
    expect(cron.spec.schedule).toMatch(/^\d+ \d+ \* \* \*$/);
    const [container] = pod.containers;
    expect(container.command.slice(0, 3)).toEqual(['oc', 'create', '-f']);
    const mount = container.volumeMounts.find((m: Doc) => container.command[3].startsWith(`${m.mountPath}/`));
    const volume = pod.volumes.find((v: Doc) => v.name === mount.name);
    const key = container.command[3].slice(mount.mountPath.length + 1);
    expect(configMap(volume.configMap.name).data[key]).toBeDefined();
  });

  test('the scheduler may create TaskRuns and nothing else; the check may create PipelineRuns', () => {
    expect(rulesOf(pod.serviceAccountName)).toEqual([
      { apiGroups: ['tekton.dev'], resources: ['taskruns'], verbs: ['create'] },
    ]);
    const taskRun = yaml.load(configMap('base-image-check-taskrun').data['taskrun.yaml']) as Doc;
    expect(allows(rulesOf(taskRun.spec.serviceAccountName), 'tekton.dev', 'pipelineruns', 'create')).toBe(
      true,
    );
  });

  test('the TaskRun runs the base-image-check Task with params and workspaces it declares, and values the step accepts', () => {
    const taskRun = yaml.load(configMap('base-image-check-taskrun').data['taskrun.yaml']) as Doc;
    expect(taskRun).toMatchObject({
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      spec: { taskRef: { name: task.metadata.name } },
    });
    const declared = task.spec.params.map((p: Doc) => p.name);
    for (const p of taskRun.spec.params) expect(declared).toContain(p.name);
    const workspaces = task.spec.workspaces.map((w: Doc) => w.name);
    for (const w of taskRun.spec.workspaces) expect(workspaces).toContain(w.name);
    const rebuild = taskRun.spec.params.find((p: Doc) => p.name === 'REBUILD').value;
    expect(step.flags.rebuild.choices).toContain(rebuild);
    const template = taskRun.spec.workspaces.find((w: Doc) => w.name === 'rebuild-template').configMap.name;
    expect(configMap(template).data['pipelinerun.yaml']).toBeDefined();
  });

  test('the rebuild template is one the step accepts', () => {
    const path = join(makeTempDir('cron-template'), 'pipelinerun.yaml');
    writeFileSync(path, configMap('base-image-rebuild-template').data['pipelinerun.yaml']);
    expect(loadTemplate(path).document).toMatchObject({
      kind: 'PipelineRun',
      metadata: { generateName: 'rebuild-' },
    });
  });
});
