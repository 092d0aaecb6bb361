import { isObject, strings } from './yaml-docs.js';

/**
 * Tekton substitutes variables into a step's text before any shell sees it, so a `$(params.X)` inside a
 * script lets whoever sets X write shell code. Values reach a step safely as exec-form args or env.
 * Every variable family Tekton substitutes counts, not only params: results, workspaces and context too.
 */
const TEKTON_VARIABLE =
  /\$\((?:params|tasks|workspaces|results|context|steps|step|inputs|outputs|resources|artifacts|tt|extensions|body|header)[.[][^)]*\)/g;

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'busybox']);

export interface Injection {
  /** Path of the offending string in the document, e.g. spec.steps[0].script. */
  path: string;
  variable: string;
}

/**
 * Finds Tekton variables spliced into shell code anywhere in a document: in every `script` (steps,
 * sidecars, StepActions, embedded taskSpecs, TriggerTemplate resourcetemplates) and in the code string of
 * a `[sh, -c, CODE]` command.
 */
export function findScriptInjections(doc: unknown, path = ''): Injection[] {
  if (Array.isArray(doc)) return doc.flatMap((item, i) => findScriptInjections(item, `${path}[${i}]`));
  if (!isObject(doc)) return [];
  const found: Injection[] = [];
  const at = (key: string) => (path ? `${path}.${key}` : key);
  if (typeof doc.script === 'string') found.push(...variablesIn(doc.script, at('script')));
  found.push(...shellCodeInjections(doc, at));
  for (const [key, value] of Object.entries(doc)) {
    if (key !== 'script') found.push(...findScriptInjections(value, at(key)));
  }
  return found;
}

function shellCodeInjections(container: Record<string, unknown>, at: (key: string) => string): Injection[] {
  const command = strings(container.command);
  const args = strings(container.args);
  const argv = [...command, ...args];
  const program = argv[0]?.split('/').pop() ?? '';
  // -c, or -c among other short options such as -ec or -euxc; the code is the next argument.
  const codeIndex = argv.findIndex((a, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(a)) + 1;
  if (!SHELLS.has(program) || codeIndex === 0 || codeIndex >= argv.length) return [];
  const where =
    codeIndex < command.length ? at(`command[${codeIndex}]`) : at(`args[${codeIndex - command.length}]`);
  return variablesIn(argv[codeIndex] ?? '', where);
}

function variablesIn(code: string, path: string): Injection[] {
  return [...code.matchAll(TEKTON_VARIABLE)].map((m) => ({ path, variable: m[0] }));
}

export function describeInjection(injection: Injection): string {
  return `${injection.path}: ${injection.variable} is spliced into shell code; pass it as an exec-form arg or an env var`;
}
