import type { FlagSpec, FlagSpecs } from '../../steps/lib/tekton/args.js';
import { allFlags, type StepDefinition } from '../../steps/lib/tekton/step.js';
import { isObject, objects, strings, type YamlObject } from './yaml-docs.js';

/**
 * The contract between a Task's YAML and the image-lifecycle steps it runs (ARCHITECTURE.md, "Step
 * contract"): the Task calls real steps with flags they accept, declares only results they write, and
 * uses only params it declares. Pure functions over parsed YAML; the test feeds them the registry.
 */

export type StepLookup = ReadonlyMap<string, StepDefinition<FlagSpecs>>;

/** How a Tekton step runs the CLI: which image-lifecycle step, with which argv after the step name. */
export interface Invocation {
  step: string;
  argv: string[];
}

const CLI = 'image-lifecycle';
const RESULTS_DIR = '/tekton/results';
// Labels and annotations of the Tekton catalog's conventions, which Artifact Hub and the catalog read.
const CATALOG_LABELS = ['app.kubernetes.io/version'];
const CATALOG_ANNOTATIONS = [
  'tekton.dev/pipelines.minVersion',
  'tekton.dev/categories',
  'tekton.dev/tags',
  'tekton.dev/displayName',
  'tekton.dev/platforms',
];

/**
 * The image-lifecycle invocation of a Tekton step, if it runs one: `command: [image-lifecycle, STEP]`, or
 * no command, one of our images, and the step name first in args (the image's entrypoint is the CLI).
 */
export function stepInvocation(step: YamlObject, params: YamlObject[]): Invocation | undefined {
  const command = strings(step.command);
  const args = strings(step.args);
  if (command[0] === CLI) return { step: command[1] ?? '', argv: [...command.slice(2), ...args] };
  if (command.length === 0 && isOurImage(String(step.image ?? ''), params)) {
    return { step: args[0] ?? '', argv: args.slice(1) };
  }
  return undefined;
}

function isOurImage(image: string, params: YamlObject[]): boolean {
  const resolved = image.replace(/\$\(params\.([A-Za-z0-9_-]+)\)/g, (whole, name: string) => {
    const param = params.find((p) => p.name === name);
    return typeof param?.default === 'string' ? param.default : whole;
  });
  return /(^|\/)image-lifecycle\//.test(resolved);
}

/**
 * Checks an argv the way the step's own parser will (steps/lib/tekton/args.ts): known flags only, a value
 * after each string flag, none after a boolean, no positionals, every required flag present, literal
 * values within `choices`. Values holding Tekton variables are only known at run time.
 */
export function checkArgv(def: StepDefinition<FlagSpecs>, argv: string[]): string[] {
  const specs: FlagSpecs = allFlags(def);
  const byShort = new Map(
    Object.entries(specs).flatMap(([name, spec]) => (spec.short ? [[spec.short, name] as const] : [])),
  );
  const problems: string[] = [];
  const seen = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    const flag = parseFlagToken(token, byShort);
    if (!flag) {
      problems.push(`unexpected argument "${token}": flags take the form --name value`);
      continue;
    }
    const spec = specs[flag.name];
    if (!spec) {
      problems.push(
        `unknown flag --${flag.name}; ${def.name} accepts ${Object.keys(specs)
          .map((n) => `--${n}`)
          .join(', ')}`,
      );
      // What follows is most likely its value; one message per mistake is enough.
      if (flag.inline === undefined && !(argv[i + 1] ?? '-').startsWith('-')) i++;
      continue;
    }
    let value = flag.inline;
    if (spec.type === 'boolean') {
      if (value !== undefined) problems.push(`--${flag.name} is a boolean flag and takes no value`);
    } else if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined) problems.push(`--${flag.name} needs a value`);
      i++;
    }
    seen.set(flag.name, [...(seen.get(flag.name) ?? []), value ?? '']);
    problems.push(...checkValue(flag.name, spec, value));
  }
  for (const [name, values] of seen) {
    if (values.length > 1 && !specs[name]?.multiple)
      problems.push(`--${name} is passed ${values.length} times but takes one value`);
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && !seen.has(name)) problems.push(`required flag --${name} is not passed`);
  }
  if (seen.has('help')) problems.push('--help makes the step print its usage and do nothing else');
  return problems;
}

function parseFlagToken(
  token: string,
  byShort: Map<string, string>,
): { name: string; inline?: string } | undefined {
  if (token.startsWith('--') && token.length > 2) {
    const eq = token.indexOf('=');
    return eq < 0 ? { name: token.slice(2) } : { name: token.slice(2, eq), inline: token.slice(eq + 1) };
  }
  if (/^-[A-Za-z]$/.test(token)) return { name: byShort.get(token.slice(1)) ?? token.slice(1) };
  return undefined;
}

function checkValue(name: string, spec: FlagSpec, value: string | undefined): string[] {
  if (value === undefined || value.includes('$(')) return [];
  const problems: string[] = [];
  if (spec.choices && !spec.choices.includes(value)) {
    problems.push(`--${name} "${value}" is not one of ${spec.choices.join(', ')}`);
  }
  if (name === 'results-dir' && value !== RESULTS_DIR) {
    problems.push(`--results-dir ${value}: Tekton reads results only from ${RESULTS_DIR}`);
  }
  return problems;
}

/** Names of the params a value refers to: $(params.X), $(params.X[*]), $(params.X.key), $(params['X']). */
export function referencedParams(value: unknown): string[] {
  if (typeof value === 'string') {
    const names = [
      ...value.matchAll(/\$\(params(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[['"]([^'"]+)['"]\])[^)]*\)/g),
    ];
    return names.map((m) => m[1] ?? m[2] ?? '');
  }
  if (Array.isArray(value)) return value.flatMap(referencedParams);
  if (isObject(value)) return Object.values(value).flatMap(referencedParams);
  return [];
}

/** Checks one Task document against the steps it runs. Returns one line per problem, naming the step. */
export function checkTask(task: YamlObject, steps: StepLookup): string[] {
  const spec = isObject(task.spec) ? task.spec : {};
  const params = objects(spec.params);
  const declaredParams = new Set(params.map((p) => String(p.name)));
  const declaredResults = objects(spec.results).map((r) => String(r.name));
  const problems: string[] = [];
  const written = new Set<string>();
  const writers: string[] = [];

  for (const param of new Set(
    referencedParams([spec.steps, spec.stepTemplate, spec.sidecars, spec.volumes]),
  )) {
    if (!declaredParams.has(param))
      problems.push(`$(params.${param}) is used but the Task declares no param ${param}`);
  }
  const invocations = objects(spec.steps).flatMap((step, i) => {
    const invocation = stepInvocation(step, params);
    return invocation ? [{ label: `step ${String(step.name ?? `#${i}`)}`, ...invocation }] : [];
  });
  if (invocations.length === 0) {
    problems.push(
      'the Task runs no image-lifecycle step (command: [image-lifecycle, STEP]): its logic belongs in a step program',
    );
  }
  for (const { label, step, argv } of invocations) {
    const def = steps.get(step);
    if (!def) {
      problems.push(`${label}: "${step}" is not a step in steps/registry.ts`);
      continue;
    }
    problems.push(...checkArgv(def, argv).map((p) => `${label}: ${p}`));
    def.results.forEach((r) => written.add(r));
    writers.push(def.name);
  }
  for (const result of declaredResults) {
    if (!written.has(result)) {
      const what = written.size
        ? `the steps (${writers.join(', ')}) write ${[...written].join(', ')}`
        : 'its steps write no results';
      problems.push(`result ${result} is declared but no step writes it: ${what}`);
    }
  }
  return problems;
}

/** Step names a Task runs, so the caller can load just those from the registry. */
export function invokedSteps(task: YamlObject): string[] {
  const spec = isObject(task.spec) ? task.spec : {};
  return objects(spec.steps).flatMap((step) => stepInvocation(step, objects(spec.params))?.step ?? []);
}

/** Catalog layout and metadata: tasks/<name>/<name>.yaml holds the Task <name>, labelled like the catalog's. */
export function checkCatalogConventions(relativeFile: string, task: YamlObject): string[] {
  const metadata = isObject(task.metadata) ? task.metadata : {};
  const name = String(metadata.name ?? '');
  const problems: string[] = [];
  const expected = `tasks/${name}/${name}.yaml`;
  if (relativeFile.split('\\').join('/') !== expected) problems.push(`Task ${name} belongs in ${expected}`);
  const labels = isObject(metadata.labels) ? metadata.labels : {};
  const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
  for (const key of CATALOG_LABELS) if (!labels[key]) problems.push(`label ${key} is missing`);
  for (const key of CATALOG_ANNOTATIONS) if (!annotations[key]) problems.push(`annotation ${key} is missing`);
  const spec = isObject(task.spec) ? task.spec : {};
  if (typeof spec.description !== 'string' || !spec.description.trim())
    problems.push('spec.description is missing');
  return problems;
}
