import { UsageError, errorMessage } from '../errors.js';
import { Decoder } from './decode.js';
import { parseDuration } from './duration.js';
import type {
  EnvVar,
  KeyRef,
  Param,
  ParamSpec,
  ParamType,
  Pipeline,
  PipelineTask,
  ResultSpec,
  Step,
  StepTemplate,
  Task,
  TaskSpec,
  Volume,
  VolumeMount,
  WhenExpression,
  WorkspaceDeclaration,
} from './model.js';
import { loadYamlAll } from '../config/load.js';

const API_VERSION = 'tekton.dev/v1';
/** Kubernetes DNS-1123 label: the names of pipeline tasks and steps. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Tekton's param names: letters, digits, `-`, `_` and `.`, starting with a letter or `_`. */
const PARAM_NAME = /^[A-Za-z_][-A-Za-z0-9_.]*$/;
const PARAM_TYPES: readonly ParamType[] = ['string', 'array', 'object'];

export type TektonDocument = { kind: 'Pipeline'; pipeline: Pipeline } | { kind: 'Task'; task: Task };

/**
 * Parses every Pipeline and Task in a YAML file (`---`-separated). Other kinds are left out: a file may also
 * hold PipelineRuns or RBAC that the runner has no use for.
 */
export function parseTektonYaml(text: string, source: string): TektonDocument[] {
  let documents: unknown[];
  try {
    documents = loadYamlAll(text);
  } catch (err) {
    throw new UsageError(`${source}: not valid YAML: ${errorMessage(err).split('\n')[0]}`);
  }
  const out: TektonDocument[] = [];
  documents.forEach((doc, index) => {
    if (doc === null || doc === undefined) return;
    const where = documents.length > 1 ? `${source} (document ${index + 1})` : source;
    const d = new Decoder(where);
    const root = d.object(doc, 'document');
    if (root.kind !== 'Pipeline' && root.kind !== 'Task') return;
    if (root.apiVersion !== API_VERSION)
      d.fail(
        'apiVersion',
        `must be ${API_VERSION} (the runner executes Tekton v1), got "${String(root.apiVersion)}"`,
      );
    const name = d.string(d.object(root.metadata, 'metadata').name, 'metadata.name');
    const spec = d.object(root.spec, 'spec');
    if (root.kind === 'Pipeline')
      out.push({ kind: 'Pipeline', pipeline: decodePipeline(d, name, spec, source) });
    else out.push({ kind: 'Task', task: { name, spec: decodeTaskSpec(d, spec, 'spec'), source } });
  });
  return out;
}

function decodePipeline(d: Decoder, name: string, spec: Record<string, unknown>, source: string): Pipeline {
  const tasks = d.objects(spec.tasks, 'spec.tasks', (t, path) => decodePipelineTask(d, t, path));
  if (tasks.length === 0) d.fail('spec.tasks', 'must list at least one task');
  const finallyTasks = d.objects(spec.finally, 'spec.finally', (t, path) => {
    const task = decodePipelineTask(d, t, path);
    if (task.runAfter.length > 0)
      d.fail(`${path}.runAfter`, 'is not allowed in finally tasks (they all run after the tasks section)');
    return task;
  });
  const names = new Set<string>();
  for (const [section, list] of [
    ['spec.tasks', tasks],
    ['spec.finally', finallyTasks],
  ] as const) {
    list.forEach((task, i) => {
      if (names.has(task.name))
        d.fail(`${section}[${i}].name`, `"${task.name}" is used by two pipeline tasks`);
      names.add(task.name);
    });
  }
  return {
    name,
    params: decodeParamSpecs(d, spec.params, 'spec.params'),
    workspaces: d.objects(spec.workspaces, 'spec.workspaces', (w, path) => ({
      name: d.string(w.name, `${path}.name`),
      optional: d.boolean(w.optional, `${path}.optional`, false),
    })),
    tasks,
    finally: finallyTasks,
    results: d.objects(spec.results, 'spec.results', (r, path) => ({
      name: d.string(r.name, `${path}.name`),
      value: d.paramValue(r.value, `${path}.value`),
    })),
    source,
  };
}

function decodePipelineTask(d: Decoder, t: Record<string, unknown>, path: string): PipelineTask {
  const name = d.string(t.name, `${path}.name`);
  if (!DNS_LABEL.test(name)) d.fail(`${path}.name`, `"${name}" must be a lowercase DNS label (a-z, 0-9, -)`);
  const ref = d.optionalObject(t.taskRef, `${path}.taskRef`);
  const embedded = d.optionalObject(t.taskSpec, `${path}.taskSpec`);
  if (Boolean(ref) === Boolean(embedded)) d.fail(path, 'needs exactly one of taskRef and taskSpec');
  if (ref && (ref.resolver !== undefined || (ref.kind !== undefined && ref.kind !== 'Task'))) {
    d.fail(`${path}.taskRef`, 'must name a Task by name (resolvers and other kinds do not run locally)');
  }
  const timeout = d.optionalString(t.timeout, `${path}.timeout`);
  const onError = d.oneOf(t.onError, `${path}.onError`, ['continue', 'stopAndFail'], 'stopAndFail');
  const retries = d.nonNegativeInteger(t.retries, `${path}.retries`);
  if (onError === 'continue' && retries > 0)
    d.fail(path, 'cannot combine onError: continue with retries (Tekton forbids it)');
  return {
    name,
    taskRef: ref ? d.string(ref.name, `${path}.taskRef.name`) : undefined,
    taskSpec: embedded ? decodeTaskSpec(d, embedded, `${path}.taskSpec`) : undefined,
    params: decodeParams(d, t.params, `${path}.params`),
    runAfter: d.stringList(t.runAfter, `${path}.runAfter`),
    when: d.objects(t.when, `${path}.when`, (w, wp) => decodeWhen(d, w, wp)),
    workspaces: d.objects(t.workspaces, `${path}.workspaces`, (w, wp) => ({
      name: d.string(w.name, `${wp}.name`),
      workspace: d.optionalString(w.workspace, `${wp}.workspace`) ?? d.string(w.name, `${wp}.name`),
      subPath: d.optionalString(w.subPath, `${wp}.subPath`),
    })),
    retries,
    timeoutMs: timeout === undefined ? undefined : duration(d, timeout, `${path}.timeout`),
    onError,
  };
}

function decodeWhen(d: Decoder, w: Record<string, unknown>, path: string): WhenExpression {
  if (w.cel !== undefined)
    d.fail(`${path}.cel`, 'CEL when expressions are not supported by the runner; use input/operator/values');
  const values = d.stringList(w.values, `${path}.values`);
  if (values.length === 0) d.fail(`${path}.values`, 'must not be empty');
  return {
    input: w.input === undefined ? '' : d.scalar(w.input, `${path}.input`),
    operator: d.oneOf(w.operator, `${path}.operator`, ['in', 'notin'], 'in'),
    values,
  };
}

function decodeParams(d: Decoder, value: unknown, path: string): Param[] {
  return d.objects(value, path, (p, pp) => ({
    name: d.string(p.name, `${pp}.name`),
    value: d.paramValue(p.value, `${pp}.value`),
  }));
}

function typeOf(value: unknown): ParamType {
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' && value !== null ? 'object' : 'string';
}

function decodeParamSpecs(d: Decoder, value: unknown, path: string): ParamSpec[] {
  return d.objects(value, path, (p, pp) => {
    const name = d.string(p.name, `${pp}.name`);
    if (!PARAM_NAME.test(name)) d.fail(`${pp}.name`, `"${name}" is not a valid param name`);
    // Like Tekton, a param without a type takes the type of its default.
    const type =
      p.type === undefined && p.default !== undefined
        ? typeOf(p.default)
        : d.oneOf(p.type, `${pp}.type`, PARAM_TYPES, 'string');
    const spec: ParamSpec = { name, type };
    const properties = d.optionalObject(p.properties, `${pp}.properties`);
    if (properties) spec.properties = Object.keys(properties);
    if (p.default !== undefined && p.default !== null) {
      spec.default = d.paramValue(p.default, `${pp}.default`);
      if (typeOf(spec.default) !== type) d.fail(`${pp}.default`, `must be of the param's type ${type}`);
    }
    return spec;
  });
}

function decodeResults(d: Decoder, value: unknown, path: string): ResultSpec[] {
  return d.objects(value, path, (r, rp) => ({
    name: d.string(r.name, `${rp}.name`),
    type: d.oneOf(r.type, `${rp}.type`, PARAM_TYPES, 'string'),
  }));
}

export function decodeTaskSpec(d: Decoder, spec: Record<string, unknown>, path: string): TaskSpec {
  if (d.list(spec.sidecars, `${path}.sidecars`).length > 0)
    d.fail(`${path}.sidecars`, 'are not supported by the runner');
  const steps = d.objects(spec.steps, `${path}.steps`, (s, sp) => decodeStep(d, s, sp));
  if (steps.length === 0) d.fail(`${path}.steps`, 'must list at least one step');
  steps.forEach((step, i) => {
    if (!step.name) step.name = `unnamed-${i}`;
    if (steps.findIndex((other) => other.name === step.name) !== i)
      d.fail(`${path}.steps[${i}].name`, `"${step.name}" is used by two steps`);
  });
  const template = d.optionalObject(spec.stepTemplate, `${path}.stepTemplate`);
  return {
    params: decodeParamSpecs(d, spec.params, `${path}.params`),
    results: decodeResults(d, spec.results, `${path}.results`),
    workspaces: d.objects(spec.workspaces, `${path}.workspaces`, (w, wp): WorkspaceDeclaration => {
      const name = d.string(w.name, `${wp}.name`);
      return {
        name,
        optional: d.boolean(w.optional, `${wp}.optional`, false),
        readOnly: d.boolean(w.readOnly, `${wp}.readOnly`, false),
        mountPath: d.optionalString(w.mountPath, `${wp}.mountPath`) || `/workspace/${name}`,
      };
    }),
    steps,
    stepTemplate: template ? decodeContainer(d, template, `${path}.stepTemplate`) : undefined,
    volumes: d.objects(spec.volumes, `${path}.volumes`, (v, vp) => decodeVolume(d, v, vp)),
  };
}

function decodeStep(d: Decoder, s: Record<string, unknown>, path: string): Step {
  const name = d.optionalString(s.name, `${path}.name`) ?? '';
  if (name && !DNS_LABEL.test(name))
    d.fail(`${path}.name`, `"${name}" must be a lowercase DNS label (a-z, 0-9, -)`);
  if (s.ref !== undefined) d.fail(`${path}.ref`, 'StepActions are not supported by the runner');
  const container = decodeContainer(d, s, path);
  const script = d.optionalString(s.script, `${path}.script`);
  if (script !== undefined && container.command !== undefined)
    d.fail(path, 'cannot have both script and command (Tekton forbids it)');
  const timeout = d.optionalString(s.timeout, `${path}.timeout`);
  return {
    ...container,
    name,
    script,
    env: container.env ?? [],
    volumeMounts: container.volumeMounts ?? [],
    onError: d.oneOf(s.onError, `${path}.onError`, ['continue', 'stopAndFail'], 'stopAndFail'),
    timeoutMs: timeout === undefined ? undefined : duration(d, timeout, `${path}.timeout`),
  };
}

/** The container fields a step and the stepTemplate share. */
function decodeContainer(d: Decoder, c: Record<string, unknown>, path: string): StepTemplate {
  const out: StepTemplate = {};
  const image = d.optionalString(c.image, `${path}.image`);
  if (image !== undefined) out.image = image;
  const command = d.optionalStringList(c.command, `${path}.command`);
  if (command) out.command = command;
  const args = d.optionalStringList(c.args, `${path}.args`);
  if (args) out.args = args;
  const workingDir = d.optionalString(c.workingDir, `${path}.workingDir`);
  if (workingDir !== undefined) out.workingDir = workingDir;
  if (c.env !== undefined) out.env = d.objects(c.env, `${path}.env`, (e, ep) => decodeEnv(d, e, ep));
  if (c.envFrom !== undefined)
    d.fail(`${path}.envFrom`, 'is not supported by the runner; use env with valueFrom');
  if (c.volumeMounts !== undefined) {
    out.volumeMounts = d.objects(c.volumeMounts, `${path}.volumeMounts`, (m, mp): VolumeMount => ({
      name: d.string(m.name, `${mp}.name`),
      mountPath: d.string(m.mountPath, `${mp}.mountPath`),
      subPath: d.optionalString(m.subPath, `${mp}.subPath`),
      readOnly: d.boolean(m.readOnly, `${mp}.readOnly`, false),
    }));
  }
  return out;
}

function decodeEnv(d: Decoder, e: Record<string, unknown>, path: string): EnvVar {
  const name = d.string(e.name, `${path}.name`);
  const from = d.optionalObject(e.valueFrom, `${path}.valueFrom`);
  if (!from) return { name, value: e.value === undefined ? '' : d.scalar(e.value, `${path}.value`) };
  const keyRef = (value: unknown, refPath: string): KeyRef => {
    const ref = d.object(value, refPath);
    return {
      name: d.string(ref.name, `${refPath}.name`),
      key: d.string(ref.key, `${refPath}.key`),
      optional: d.boolean(ref.optional, `${refPath}.optional`, false),
    };
  };
  if (from.secretKeyRef !== undefined)
    return { name, secretKeyRef: keyRef(from.secretKeyRef, `${path}.valueFrom.secretKeyRef`) };
  if (from.configMapKeyRef !== undefined)
    return { name, configMapKeyRef: keyRef(from.configMapKeyRef, `${path}.valueFrom.configMapKeyRef`) };
  d.fail(`${path}.valueFrom`, 'supports secretKeyRef and configMapKeyRef only in the runner');
}

function decodeVolume(d: Decoder, v: Record<string, unknown>, path: string): Volume {
  const name = d.string(v.name, `${path}.name`);
  if (v.emptyDir !== undefined) return { name, source: { kind: 'emptyDir' } };
  const secret = d.optionalObject(v.secret, `${path}.secret`);
  if (secret) {
    return {
      name,
      source: {
        kind: 'secret',
        name: d.string(secret.secretName, `${path}.secret.secretName`),
        optional: d.boolean(secret.optional, `${path}.secret.optional`, false),
      },
    };
  }
  const configMap = d.optionalObject(v.configMap, `${path}.configMap`);
  if (configMap) {
    return {
      name,
      source: {
        kind: 'configMap',
        name: d.string(configMap.name, `${path}.configMap.name`),
        optional: d.boolean(configMap.optional, `${path}.configMap.optional`, false),
      },
    };
  }
  d.fail(path, 'is not emptyDir, secret or configMap, the volume types the runner provides');
}

function duration(d: Decoder, text: string, path: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) d.fail(path, `"${text}" is not a duration like 90s, 10m or 1h30m`);
  return ms;
}
