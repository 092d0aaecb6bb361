import { loadAll } from 'js-yaml';
import { isObject, objects, type YamlObject } from './yaml-docs.js';

/**
 * The Tekton catalog's conventions (github.com/tektoncd/catalog, TEP-0003) as this library applies them to
 * every Task and Pipeline, and what a user of the library finds in each README. Pure functions over parsed
 * YAML and Markdown; catalog-conventions.test.ts feeds them the files.
 */

/** Tekton Hub's categories (github.com/tektoncd/hub, config.yaml): the Hub files a resource under these. */
export const HUB_CATEGORIES = [
  'Automation',
  'Build Tools',
  'CLI',
  'Cloud',
  'Code Quality',
  'Continuous Integration',
  'Deployment',
  'Developer Tools',
  'Image Build',
  'Integration & Delivery',
  'Git',
  'Kubernetes',
  'Messaging',
  'Monitoring',
  'Networking',
  'Openshift',
  'Publishing',
  'Security',
  'Storage',
  'Testing',
];

const SEMVER = /^\d+\.\d+\.\d+$/;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;
const TAG = /^[a-z0-9][a-z0-9.+-]*$/;

const list = (value: unknown): string[] =>
  typeof value === 'string' ? value.split(',').map((s) => s.trim()) : [];
const metadataOf = (o: YamlObject): YamlObject => (isObject(o.metadata) ? o.metadata : {});
const specOf = (o: YamlObject): YamlObject => (isObject(o.spec) ? o.spec : {});

/** Labels, annotations and description every Task and Pipeline carries. */
export function checkMetadata(resource: YamlObject, version: string): string[] {
  const metadata = metadataOf(resource);
  const labels = isObject(metadata.labels) ? metadata.labels : {};
  const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
  const problems: string[] = [];
  if (labels['app.kubernetes.io/version'] !== version)
    problems.push(`label app.kubernetes.io/version must be the library's version "${version}"`);
  if (!SEMVER.test(String(annotations['tekton.dev/pipelines.minVersion'] ?? '')))
    problems.push('annotation tekton.dev/pipelines.minVersion must be a version like 0.56.0');
  const categories = list(annotations['tekton.dev/categories']);
  if (categories.length === 0) problems.push('annotation tekton.dev/categories is missing');
  for (const c of categories.filter((c) => !HUB_CATEGORIES.includes(c)))
    problems.push(`category "${c}" is not one of Tekton Hub's: ${HUB_CATEGORIES.join(', ')}`);
  const tags = list(annotations['tekton.dev/tags']);
  if (tags.length === 0) problems.push('annotation tekton.dev/tags is missing');
  for (const t of tags.filter((t) => !TAG.test(t)))
    problems.push(`tag "${t}" must be lower-case, without spaces`);
  if (
    typeof annotations['tekton.dev/displayName'] !== 'string' ||
    !annotations['tekton.dev/displayName'].trim()
  )
    problems.push('annotation tekton.dev/displayName is missing');
  const platforms = list(annotations['tekton.dev/platforms']);
  if (platforms.length === 0 || platforms.some((p) => !PLATFORM.test(p)))
    problems.push('annotation tekton.dev/platforms must list os/arch pairs, e.g. linux/amd64,linux/arm64');
  problems.push(...checkDescription(specOf(resource).description));
  return problems;
}

/** The catalog's description: a one-line summary, then (optionally) paragraphs after a blank line. */
export function checkDescription(description: unknown): string[] {
  if (typeof description !== 'string' || !description.trim()) return ['spec.description is missing'];
  const [summary = '', ...rest] = description.split('\n');
  const problems: string[] = [];
  if (!summary.trim().endsWith('.'))
    problems.push(
      `the description's summary line must be one sentence ending with "." ("${summary.slice(0, 60)}")`,
    );
  if (rest.length > 0 && rest[0] !== '')
    problems.push('the summary line must be followed by a blank line before the details');
  return problems;
}

/** Params, results and workspaces described; image params defaulting to a pinned image. */
export function checkInterface(resource: YamlObject): string[] {
  const spec = specOf(resource);
  const problems: string[] = [];
  const described = (what: string, items: YamlObject[]) => {
    for (const item of items) {
      if (typeof item.description !== 'string' || !item.description.trim())
        problems.push(`${what} ${String(item.name)} has no description`);
    }
  };
  const params = objects(spec.params);
  described('param', params);
  described('result', objects(spec.results));
  described('workspace', objects(spec.workspaces));
  for (const p of params) {
    const type = p.type ?? 'string';
    if (!['string', 'array', 'object'].includes(String(type)))
      problems.push(`param ${String(p.name)} has unknown type ${String(type)}`);
    if (p.default !== undefined && type === 'string' && typeof p.default !== 'string')
      problems.push(
        `param ${String(p.name)}: a string param's default must be quoted text, got ${JSON.stringify(p.default)}`,
      );
  }
  return problems;
}

/** Every image a Task's steps and sidecars run, with param references replaced by their defaults. */
export function stepImages(task: YamlObject): { where: string; image: string }[] {
  const spec = specOf(task);
  const defaults = new Map(objects(spec.params).map((p) => [String(p.name), p.default]));
  const containers = [...objects(spec.steps), ...objects(spec.sidecars)];
  return containers.map((c) => {
    const image = String(c.image ?? '').replace(/\$\(params\.([A-Za-z0-9_-]+)\)/g, (whole, name: string) => {
      const value = defaults.get(name);
      return typeof value === 'string' ? value : whole;
    });
    return { where: `step ${String(c.name)}`, image };
  });
}

/** An image reference a release can pin: a digest, or a tag that is not `latest`. */
export function isPinnable(image: string): boolean {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return true;
  const lastPart = image.split('/').pop() ?? '';
  const tag = lastPart.includes(':') ? lastPart.split(':').pop() : undefined;
  return tag !== undefined && tag !== 'latest' && !image.includes('$(');
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}

/** OpenShift's restricted-v2 / Kubernetes "restricted" Pod Security Standard, for one container. */
export function isRestricted(sc: SecurityContext): boolean {
  return (
    sc.runAsNonRoot === true &&
    sc.runAsUser !== 0 &&
    sc.allowPrivilegeEscalation === false &&
    sc.privileged !== true &&
    (sc.capabilities?.drop ?? []).includes('ALL') &&
    (sc.capabilities?.add ?? []).length === 0 &&
    sc.seccompProfile?.type === 'RuntimeDefault'
  );
}

/** What a step runs with: Tekton merges the stepTemplate into each step, the step's own fields winning. */
function effective(template: YamlObject, step: YamlObject, field: string): YamlObject {
  const fromTemplate = isObject(template[field]) ? template[field] : {};
  const own = isObject(step[field]) ? step[field] : {};
  return { ...fromTemplate, ...own };
}

/**
 * Security context and compute resources. The stepTemplate carries the restricted context; a step that
 * needs more (buildah) is allowed only when the README explains it in a "Security context" section.
 */
export function checkPodSettings(task: YamlObject, readme: string): string[] {
  const spec = specOf(task);
  const template = isObject(spec.stepTemplate) ? spec.stepTemplate : {};
  const problems: string[] = [];
  const documented = /^#+ .*(security context|SCC)/im.test(readme);
  const templateContext = isObject(template.securityContext)
    ? (template.securityContext as SecurityContext)
    : {};
  if (!isRestricted(templateContext) && !documented)
    problems.push(
      'stepTemplate.securityContext must be restricted (runAsNonRoot, no privilege escalation, drop ALL, RuntimeDefault seccomp)',
    );
  for (const step of [...objects(spec.steps), ...objects(spec.sidecars)]) {
    const name = String(step.name);
    if (!isRestricted(effective(template, step, 'securityContext') as SecurityContext) && !documented)
      problems.push(
        `step ${name} runs with more than the restricted security context; explain why under a "Security context" heading in README.md`,
      );
    const resources = effective(template, step, 'computeResources');
    const requests = isObject(resources.requests) ? resources.requests : {};
    const limits = isObject(resources.limits) ? resources.limits : {};
    if (!requests.cpu || !requests.memory || !limits.memory)
      problems.push(`step ${name} needs computeResources: requests.cpu, requests.memory and limits.memory`);
  }
  for (const { where, image } of stepImages(task)) {
    if (!isPinnable(image))
      problems.push(`${where}: image "${image}" must have a version tag (not latest) or a digest`);
  }
  return problems;
}

/** Markdown sections by heading text (any level), each with the text up to the next heading of any level. */
export function sections(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  let current: string | undefined;
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^```/.test(line)) inFence = !inFence;
    const heading = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      current = (heading[1] ?? '').trim();
      found.set(current, '');
    } else if (current !== undefined) {
      found.set(current, `${found.get(current)}${line}\n`);
    }
  }
  return found;
}

function sectionStarting(all: Map<string, string>, word: string): string | undefined {
  for (const [heading, body] of all) if (heading.toLowerCase().startsWith(word.toLowerCase())) return body;
  return undefined;
}

/** YAML code blocks of a Markdown text, parsed; blocks that are not YAML objects are left out. */
export function yamlBlocks(markdown: string): YamlObject[] {
  return [...markdown.matchAll(/```ya?ml\n([\s\S]*?)```/g)].flatMap((m) => {
    try {
      return loadAll(m[1] ?? '').filter(isObject);
    } catch {
      return [];
    }
  });
}

/**
 * The README a user reads before running the Task: a section for params, results and workspaces naming
 * each one, and an example TaskRun that gives every required param and binds every required workspace.
 */
export function checkTaskReadme(task: YamlObject, readme: string): string[] {
  const spec = specOf(task);
  const name = String(metadataOf(task).name);
  const all = sections(readme);
  const problems: string[] = [];
  const lists = (title: string, items: YamlObject[]) => {
    if (items.length === 0) return;
    const body = sectionStarting(all, title);
    if (body === undefined) return problems.push(`README.md has no "${title}" section`);
    for (const item of items) {
      if (!body.includes(`\`${String(item.name)}\``))
        problems.push(`README.md "${title}" section does not name \`${String(item.name)}\``);
    }
  };
  lists('Params', objects(spec.params));
  lists('Results', objects(spec.results));
  lists('Workspaces', objects(spec.workspaces));
  const example = yamlBlocks(readme).find((doc) => doc.kind === 'TaskRun');
  if (!example) return [...problems, 'README.md has no example TaskRun (a ```yaml block of kind TaskRun)'];
  const run = specOf(example);
  const ref = isObject(run.taskRef) ? run.taskRef : {};
  if (ref.name !== name) problems.push(`the example TaskRun must refer to taskRef.name ${name}`);
  const given = new Set(objects(run.params).map((p) => String(p.name)));
  for (const p of objects(spec.params).filter((p) => p.default === undefined && !given.has(String(p.name))))
    problems.push(`the example TaskRun does not give the required param ${String(p.name)}`);
  const bound = new Set(objects(run.workspaces).map((w) => String(w.name)));
  for (const w of objects(spec.workspaces).filter((w) => w.optional !== true && !bound.has(String(w.name))))
    problems.push(`the example TaskRun does not bind the required workspace ${String(w.name)}`);
  return problems;
}
