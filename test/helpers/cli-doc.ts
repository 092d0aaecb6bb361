/**
 * Reads docs/cli.md back in the format it defines ("How this page is checked"): one `## \`<step>\`` section per
 * step, key lists on lines `JSON keys[ (variant)]: \`a\`, \`b?\`` or `JSON element keys: ...`, and ```json
 * examples. Kept apart from the test so the format has one definition.
 */

export interface KeyList {
  /** The variant a step with several shapes names in parentheses, e.g. "dry-run". */
  variant?: string;
  /** The output is an array of objects with these keys, rather than one object. */
  array: boolean;
  required: string[];
  optional: string[];
}

export interface StepSection {
  step: string;
  text: string;
  keyLists: KeyList[];
  /** The text of each ```json block, unparsed: a test names the step when one does not parse. */
  examples: string[];
}

const STEP_HEADING = /^## `([a-z0-9-]+)`$/;
const KEY_LIST = /^JSON (keys|element keys)(?: \(([^)]+)\))?: (.+)$/gm;
const JSON_BLOCK = /^```json\n([\s\S]*?)^```$/gm;

export function readCliDoc(markdown: string): Map<string, StepSection> {
  const sections = new Map<string, StepSection>();
  let current: { step: string; lines: string[] } | undefined;
  const close = () => {
    if (current) sections.set(current.step, section(current.step, current.lines.join('\n')));
  };
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) {
      close();
      const step = STEP_HEADING.exec(line)?.[1];
      current = step ? { step, lines: [] } : undefined;
    } else {
      current?.lines.push(line);
    }
  }
  close();
  return sections;
}

function section(step: string, text: string): StepSection {
  const keyLists = [...text.matchAll(KEY_LIST)].map(([, kind, variant, list]): KeyList => {
    const keys = [...(list as string).matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
    return {
      ...(variant ? { variant } : {}),
      array: kind === 'element keys',
      required: keys.filter((k) => !k.endsWith('?')),
      optional: keys.filter((k) => k.endsWith('?')).map((k) => k.slice(0, -1)),
    };
  });
  const examples = [...text.matchAll(JSON_BLOCK)].map((m) => m[1] as string);
  return { step, text, keyLists, examples };
}

/** Why `value` does not have the shape `list` describes, or undefined when it does. */
export function shapeMismatch(value: unknown, list: KeyList): string | undefined {
  if (list.array) {
    if (!Array.isArray(value)) return 'expected an array';
    for (const [i, element] of value.entries()) {
      const why = objectMismatch(element, list);
      if (why) return `element ${i}: ${why}`;
    }
    return undefined;
  }
  return objectMismatch(value, list);
}

function objectMismatch(value: unknown, list: KeyList): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected an object';
  const keys = Object.keys(value);
  const missing = list.required.filter((k) => !keys.includes(k));
  const unknown = keys.filter((k) => !list.required.includes(k) && !list.optional.includes(k));
  const problems = [
    ...(missing.length ? [`missing ${missing.join(', ')}`] : []),
    ...(unknown.length ? [`not documented: ${unknown.join(', ')}`] : []),
  ];
  return problems.length ? problems.join('; ') : undefined;
}
