import path from 'node:path';
import { build } from 'esbuild';

/**
 * Which Kubernetes verbs on which resources a step's code can call, read from the step's own bundle: esbuild
 * keeps only the code the step reaches (tree shaking), and every API request goes through KubeClient.call
 * with a KubeAction { verb, resource, group }. The actions are object literals, or made by small helpers
 * (`action("get", name)` with the resource fixed in the helper, or `action("list", "imagestreams")`), or, for
 * the workload table of retention, one literal verb over a table of `plural`s. This reads those three shapes;
 * a fourth shape shows up as a step whose calls the test cannot find, never as a silent pass.
 */

const VERBS = 'get|list|watch|create|update|patch|delete|deletecollection';
/**
 * A module-level declaration: `var x = ...`, or, in a module the step imports dynamically (esbuild wraps it to
 * run on first import and hoists its `var`s), a bare `x = ...` at the start of a line.
 */
const DECLARED = '(?:\\b(?:var|const|let) |^\\s*)';
const root = path.resolve(__dirname, '..', '..');

/** The step's code as esbuild bundles it for its image (dependencies left out), unminified. */
export async function stepBundle(step: string): Promise<string> {
  const result = await build({
    entryPoints: [path.join(root, 'steps', step, 'main.ts')],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** Module sections of an unminified esbuild bundle: `// steps/lib/kube/pods.ts` starts each one. */
function sections(bundle: string): string[] {
  return bundle.split(/^\/\/ \S+\.ts$/m);
}

function constants(section: string): Map<string, string> {
  return new Map(
    [...section.matchAll(new RegExp(`${DECLARED}(\\w+) = "([\\w.-]+)";`, 'gm'))].map((m) => [
      m[1] ?? '',
      m[2] ?? '',
    ]),
  );
}

/** "verb resource" pairs the bundle's KubeActions name. */
export function kubeCalls(bundle: string): string[] {
  const calls = new Set<string>();
  for (const section of sections(bundle)) {
    const consts = constants(section);
    const plurals = [...section.matchAll(/\bplural: "(\w+)", podSpec/g)].map((m) => m[1] ?? '');
    const resolve = (quoted: string | undefined, name: string | undefined): string[] => {
      if (quoted) return [quoted];
      if (name && consts.has(name)) return [consts.get(name) ?? ''];
      return name === 'plural' ? plurals : [];
    };
    // { verb: "list", resource: "pods" }, { verb: "get", resource: PLURAL }, { verb: "list", resource: plural }
    for (const m of section.matchAll(
      new RegExp(`verb: "(${VERBS})",\\s*resource: (?:"(\\w+)"|(\\w+))`, 'g'),
    )) {
      for (const r of resolve(m[2], m[3])) calls.add(`${m[1]} ${r}`);
    }
    // var action = (verb, name, namespace) => ({ verb, resource: "deployments", ... }) and its calls action("get", ...)
    const helpers = new Map<string, string[]>();
    for (const m of section.matchAll(
      new RegExp(
        `${DECLARED}(\\w+) = \\(verb, [^)]*\\) => \\(\\{\\s*verb,\\s*resource: (?:"(\\w+)"|(\\w+))`,
        'gm',
      ),
    )) {
      helpers.set(m[1] ?? '', resolve(m[2], m[3] && m[3] !== 'resource' ? m[3] : undefined));
    }
    for (const m of section.matchAll(new RegExp(`\\b(\\w+)\\("(${VERBS})"(?:, "(\\w+)")?`, 'g'))) {
      const [, name = '', verb, resource] = m;
      if (resource && /action/i.test(name)) calls.add(`${verb} ${resource}`);
      else for (const r of helpers.get(name) ?? []) calls.add(`${verb} ${r}`);
    }
  }
  return [...calls].sort();
}
