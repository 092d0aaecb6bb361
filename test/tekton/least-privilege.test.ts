import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  describeObject,
  isObject,
  loadDocuments,
  objects,
  strings,
  yamlFiles,
  type YamlObject,
} from './yaml-docs.js';

// Least privilege in the library's YAML: no step of any Task (or inline task, CronJob, Deployment) runs
// privileged, escalates, adds capabilities, runs as root or touches the host; every Task step runs as a
// non-root user with all capabilities dropped. The one documented exception is buildah in image-build.

const REPO_ROOT = path.resolve(__dirname, '../..');
const FILES = yamlFiles(['tasks', 'pipelines', 'triggers', 'install'].map((d) => path.join(REPO_ROOT, d)));

/** Steps allowed to run as root, and why; each must say so in its README. */
const ROOT_STEPS: Record<string, { capabilities: string[]; readme: string; reason: string }> = {
  'Task/image-build build': {
    capabilities: ['SETFCAP'],
    readme: 'tasks/image-build/README.md',
    reason: 'buildah runs as root in the container (pipelines-scc: anyuid plus SETFCAP), never privileged',
  },
};

interface Container {
  where: string;
  /** The securityContext in effect: the Task's stepTemplate under the step's own. */
  securityContext: YamlObject;
  isTaskStep: boolean;
}

function merged(template: unknown, own: unknown): YamlObject {
  const base = isObject(template) ? template : {};
  const mine = isObject(own) ? own : {};
  return {
    ...base,
    ...mine,
    capabilities: {
      ...(isObject(base.capabilities) ? base.capabilities : {}),
      ...(isObject(mine.capabilities) ? mine.capabilities : {}),
    },
  };
}

/** Every container-like thing a document defines, wherever it sits. */
function containers(doc: YamlObject): Container[] {
  const found: Container[] = [];
  const name = describeObject(doc);
  const taskSpecs = (spec: unknown, where: string): void => {
    if (!isObject(spec)) return;
    const template = isObject(spec.stepTemplate) ? spec.stepTemplate.securityContext : undefined;
    for (const step of objects(spec.steps)) {
      found.push({
        where: `${where} ${String(step.name)}`,
        securityContext: merged(template, step.securityContext),
        isTaskStep: true,
      });
    }
    for (const sidecar of objects(spec.sidecars)) {
      found.push({
        where: `${where} sidecar ${String(sidecar.name)}`,
        securityContext: merged(undefined, sidecar.securityContext),
        isTaskStep: true,
      });
    }
  };
  if (doc.kind === 'Task') taskSpecs(doc.spec, name);
  if (doc.kind === 'Pipeline' && isObject(doc.spec)) {
    for (const task of [...objects(doc.spec.tasks), ...objects(doc.spec.finally)])
      taskSpecs(task.taskSpec, `${name} ${String(task.name)}`);
  }
  // Pod specs of anything else (CronJob, Job, Deployment): found by their containers list.
  const walk = (value: unknown, where: string): void => {
    if (Array.isArray(value)) value.forEach((v) => walk(v, where));
    if (!isObject(value)) return;
    for (const c of [...objects(value.containers), ...objects(value.initContainers)]) {
      found.push({
        where: `${where} ${String(c.name)}`,
        securityContext: merged(value.securityContext, c.securityContext),
        isTaskStep: false,
      });
    }
    for (const [key, v] of Object.entries(value))
      if (key !== 'containers' && key !== 'initContainers') walk(v, where);
  };
  if (doc.kind !== 'Task' && doc.kind !== 'Pipeline') walk(doc.spec, name);
  return found;
}

function problems(container: Container): string[] {
  const sc = container.securityContext;
  const capabilities = isObject(sc.capabilities) ? sc.capabilities : {};
  const root = ROOT_STEPS[container.where];
  const out: string[] = [];
  if (sc.privileged === true) out.push('privileged');
  if (sc.allowPrivilegeEscalation === true) out.push('allowPrivilegeEscalation');
  const added = strings(capabilities.add).filter((c) => !(root?.capabilities ?? []).includes(c));
  if (added.length) out.push(`adds ${added.join(', ')}`);
  if (sc.runAsUser === 0 && !root) out.push('runs as UID 0');
  if (container.isTaskStep && !root) {
    if (sc.runAsNonRoot !== true) out.push('no runAsNonRoot: true');
    if (sc.allowPrivilegeEscalation !== false) out.push('no allowPrivilegeEscalation: false');
    if (!strings(capabilities.drop).includes('ALL')) out.push('capabilities not dropped');
  }
  return out.map((p) => `${container.where}: ${p}`);
}

const documents = FILES.flatMap((file) =>
  loadDocuments(file)
    .filter((d) => isObject(d.value))
    .map((d) => ({ ...d, value: d.value as YamlObject })),
);

test('the library has Tasks to check', () => {
  expect(documents.filter((d) => d.value.kind === 'Task').length).toBeGreaterThan(10);
});

test('no container runs privileged, escalates, adds capabilities or runs as root; Task steps drop everything', () => {
  const found = documents.flatMap((d) =>
    containers(d.value)
      .flatMap(problems)
      .map((p) => `${path.relative(REPO_ROOT, d.file)}: ${p}`),
  );
  expect(found).toEqual([]);
});

test('nothing uses the host: no hostNetwork, hostPID, hostIPC or hostPath volume', () => {
  const offending = documents.flatMap((d) => {
    const text = JSON.stringify(d.value);
    return ['"hostNetwork":true', '"hostPID":true', '"hostIPC":true', '"hostPath":']
      .filter((s) => text.includes(s))
      .map((s) => `${path.relative(REPO_ROOT, d.file)} ${describeObject(d.value)}: ${s}`);
  });
  expect(offending).toEqual([]);
});

test('each step allowed root exists, needs no more than listed, and its README says why', () => {
  const all = documents.flatMap((d) => containers(d.value));
  for (const [where, allowance] of Object.entries(ROOT_STEPS)) {
    const step = all.find((c) => c.where === where);
    expect(step?.securityContext.runAsUser).toBe(0);
    expect(step?.securityContext.privileged).not.toBe(true);
    const readme = readFileSync(path.join(REPO_ROOT, allowance.readme), 'utf8');
    expect(readme).toContain('runAsUser: 0');
    for (const capability of allowance.capabilities) expect(readme).toContain(capability);
    expect(readme).toMatch(/no privileged SCC/);
  }
});
