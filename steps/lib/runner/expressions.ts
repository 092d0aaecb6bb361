import { UsageError } from '../errors.js';

/**
 * Tekton's variable references, `$(...)`, parsed into what they point at. Only the roots Tekton substitutes are
 * references; anything else in `$(...)` (a shell `$(date)` in a script) is left alone, as Tekton leaves it.
 */
export type Selector = { kind: 'all' } | { kind: 'index'; index: number } | { kind: 'key'; key: string };

export type Reference =
  | { kind: 'param'; name: string; selector?: Selector }
  | { kind: 'result'; task: string; result: string; selector?: Selector; section: 'tasks' | 'finally' }
  | { kind: 'taskStatus'; task: string }
  | { kind: 'tasksStatus' }
  /** Everything else is a plain string variable, normalized to dot notation (`results.NAME.path`, `context.taskRun.name`). */
  | { kind: 'variable'; key: string };

export interface Occurrence {
  /** The whole `$(...)` text. */
  text: string;
  ref: Reference;
  index: number;
}

const ROOTS = new Set(['params', 'tasks', 'finally', 'results', 'workspaces', 'context', 'steps']);
const EXPRESSION = /\$\(([^()]*)\)/g;
const NAME = String.raw`[A-Za-z0-9_][-A-Za-z0-9_]*`;
const QUOTED = String.raw`\[(?:"([^"]+)"|'([^']+)')\]`;
const SELECTOR = String.raw`(\[\*\]|\[\d+\]|\.[^.\[\]]+)?`;
const PARAM = new RegExp(String.raw`^params(?:\.(${NAME})|${QUOTED})${SELECTOR}$`);
const RESULT = new RegExp(
  String.raw`^(tasks|finally)\.(${NAME})\.results(?:\.(${NAME})|${QUOTED})${SELECTOR}$`,
);
const TASK_STATUS = new RegExp(String.raw`^tasks\.(${NAME})\.status$`);

/** A `$(params...)`, `$(tasks...)` or `$(finally...)` that does not parse: bad input, never silently kept. */
export class ReferenceSyntaxError extends UsageError {}

function selector(text: string | undefined): Selector | undefined {
  if (!text) return undefined;
  if (text === '[*]') return { kind: 'all' };
  if (text.startsWith('[')) return { kind: 'index', index: Number(text.slice(1, -1)) };
  return { kind: 'key', key: text.slice(1) };
}

/** Parses the inside of `$(...)`; undefined when its root is not one Tekton substitutes. */
export function parseReference(body: string): Reference | undefined {
  const root = /^[a-zA-Z]+/.exec(body)?.[0];
  if (!root || !ROOTS.has(root)) return undefined;
  let m = PARAM.exec(body);
  if (m) return { kind: 'param', name: (m[1] ?? m[2] ?? m[3]) as string, selector: selector(m[4]) };
  m = RESULT.exec(body);
  if (m) {
    return {
      kind: 'result',
      section: m[1] as 'tasks' | 'finally',
      task: m[2] as string,
      result: (m[3] ?? m[4] ?? m[5]) as string,
      selector: selector(m[6]),
    };
  }
  if (body === 'tasks.status') return { kind: 'tasksStatus' };
  m = TASK_STATUS.exec(body);
  if (m) return { kind: 'taskStatus', task: m[1] as string };
  if (root === 'params' || root === 'tasks' || root === 'finally')
    throw new ReferenceSyntaxError(`$(${body}) is not a valid reference`);
  return {
    kind: 'variable',
    key: body.replace(/\[(?:"([^"]+)"|'([^']+)')\]/g, (_all, a: string, b: string) => `.${a ?? b}`),
  };
}

/** Every reference in a text, in order. */
export function findReferences(text: string): Occurrence[] {
  const out: Occurrence[] = [];
  for (const match of text.matchAll(EXPRESSION)) {
    const ref = parseReference(match[1] as string);
    if (ref) out.push({ text: match[0], ref, index: match.index ?? 0 });
  }
  return out;
}

/** The reference when the text is exactly one `$(...)` and nothing else (the form arrays and objects expand in). */
export function wholeReference(text: string): Reference | undefined {
  const found = findReferences(text);
  const only = found[0];
  return found.length === 1 && only && only.text === text ? only.ref : undefined;
}

export function replaceReferences(text: string, replace: (ref: Reference, whole: string) => string): string {
  return text.replace(EXPRESSION, (whole: string, body: string) => {
    const ref = parseReference(body);
    return ref ? replace(ref, whole) : whole;
  });
}

export function describeReference(ref: Reference): string {
  switch (ref.kind) {
    case 'param':
      return `params.${ref.name}${selectorText(ref.selector)}`;
    case 'result':
      return `${ref.section}.${ref.task}.results.${ref.result}${selectorText(ref.selector)}`;
    case 'taskStatus':
      return `tasks.${ref.task}.status`;
    case 'tasksStatus':
      return 'tasks.status';
    case 'variable':
      return ref.key;
  }
}

function selectorText(s: Selector | undefined): string {
  if (!s) return '';
  if (s.kind === 'all') return '[*]';
  return s.kind === 'index' ? `[${s.index}]` : `.${s.key}`;
}
