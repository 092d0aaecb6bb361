import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Repeatable string flag; its value is an array. */
  multiple?: boolean;
  default?: string | boolean;
  required?: boolean;
  short?: string;
  /** Accepted values, checked before the step runs. */
  choices?: readonly string[];
  /** Placeholder shown in --help, e.g. REF. */
  valueName?: string;
  /** Environment variable that supplies the value when the flag is not given (before the default). */
  env?: string;
}
export type FlagSpecs = Record<string, FlagSpec>;

export type ParsedFlags<S extends FlagSpecs> = {
  [K in keyof S]: S[K]['type'] extends 'boolean'
    ? boolean
    : S[K]['multiple'] extends true
      ? string[]
      : S[K]['required'] extends true
        ? string
        : S[K]['default'] extends string
          ? string
          : string | undefined;
};

export const commonFlags = {
  output: { type: 'string', description: 'Output format', choices: ['text', 'json'], default: 'text' },
  'results-dir': {
    type: 'string',
    description: 'Directory Tekton reads results from',
    default: '/tekton/results',
    valueName: 'DIR',
    // `image-lifecycle run` points steps left on the default at a TaskRun's own results directory.
    env: 'IMAGE_LIFECYCLE_RESULTS_DIR',
  },
  help: { type: 'boolean', description: 'Show this help', short: 'h' },
} as const satisfies FlagSpecs;

export const dryRunFlag = {
  'dry-run': { type: 'boolean', description: 'Show what would change without changing anything' },
} as const satisfies FlagSpecs;

/**
 * Parses argv strictly: unknown flags, missing values, missing required flags and values outside
 * `choices` are usage errors naming the flag. Empty strings count as missing for required flags,
 * because Tekton passes an unset param as "". `positional` names the flag a single bare argument
 * fills (`image-lifecycle run PIPELINE.yaml`); without it a bare argument is an error.
 */
export function parseFlags<S extends FlagSpecs>(
  command: string,
  specs: S,
  argv: string[],
  positional?: string,
): ParsedFlags<S> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = {
      type: spec.type,
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  let values: Record<string, unknown>;
  let positionals: string[];
  let tokens: Array<{ kind: string; name?: string; value?: string }>;
  try {
    ({ values, positionals, tokens } = parseArgs({
      args: booleanValues(specs, argv),
      options,
      strict: true,
      allowPositionals: true,
      tokens: true,
    }));
  } catch (err) {
    throw new UsageError(`${command}: ${describeParseError(err)} (see 'image-lifecycle ${command} --help')`);
  }
  checkRepeats(command, specs, tokens);
  if (positional && positionals.length === 1 && values[positional] === undefined) {
    values[positional] = positionals.shift();
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `${command}: unexpected argument ${quote(positionals[0] ?? '')} (flags take the form --name value)`,
    );
  }
  if (values.help) return values as ParsedFlags<S>;
  for (const [name, spec] of Object.entries(specs)) {
    const value = values[name] ?? (spec.env ? process.env[spec.env] || undefined : undefined);
    if (value !== undefined) values[name] = value;
    if (value === undefined && spec.default !== undefined) values[name] = spec.default;
    if (value === undefined && spec.multiple) values[name] = [];
    if (
      spec.required &&
      (value === undefined || value === '' || (Array.isArray(value) && value.length === 0))
    ) {
      throw new UsageError(`${command}: --${name} is required`);
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item !== 'string') continue;
      // No argument the kernel passes can be longer or hold a NUL; only an in-process caller or a stray
      // environment variable can, and a step's own checks should not have to think about either.
      if (Buffer.byteLength(item) > MAX_VALUE_BYTES) {
        throw new UsageError(
          `${command}: --${name} is ${Buffer.byteLength(item)} bytes long; a value can be at most ${MAX_VALUE_BYTES}`,
        );
      }
      if (item.includes('\0')) throw new UsageError(`${command}: --${name} holds a NUL character`);
    }
    if (spec.type === 'string' && !spec.multiple && typeof value === 'string' && /[\r\n]/.test(value)) {
      throw new UsageError(`${command}: --${name} must be a single line`);
    }
    if (spec.choices && values[name] !== undefined && !spec.choices.includes(String(values[name]))) {
      throw new UsageError(
        `${command}: --${name} must be one of ${spec.choices.join(', ')}, got ${quote(String(values[name]))}`,
      );
    }
  }
  return values as ParsedFlags<S>;
}

/** Linux's limit for one argument (MAX_ARG_STRLEN, 32 pages). */
const MAX_VALUE_BYTES = 128 * 1024;

/** A single-value flag given twice with different values is ambiguous: which one did the Task author mean? */
function checkRepeats(
  command: string,
  specs: FlagSpecs,
  tokens: Array<{ kind: string; name?: string; value?: string }>,
): void {
  const seen = new Map<string, string | undefined>();
  for (const token of tokens) {
    if (token.kind !== 'option' || !token.name || specs[token.name]?.multiple) continue;
    if (seen.has(token.name) && seen.get(token.name) !== token.value) {
      throw new UsageError(`${command}: --${token.name} is given twice with different values; give it once`);
    }
    seen.set(token.name, token.value);
  }
}

/** A value as it appears in an error line: quoted, control characters escaped, long ones cut. */
export function quote(value: string, max = 80): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}

/**
 * Tekton cannot leave an argument out, so a Task passes a boolean as `--flag true|false` (or `--flag=false`).
 * Those forms are folded into what parseArgs understands: the flag alone, or nothing.
 */
function booleanValues(specs: FlagSpecs, argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const match = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (!match || specs[match[1] as string]?.type !== 'boolean') {
      out.push(arg);
      continue;
    }
    let value = match[2];
    if (value === undefined && (argv[i + 1] === 'true' || argv[i + 1] === 'false')) value = argv[++i];
    if (value === undefined || value === 'true') out.push(`--${match[1]}`);
    else if (value !== 'false')
      throw new UsageError(`--${match[1]} takes true or false, got ${quote(value)}`);
  }
  return out;
}

function describeParseError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag ${unknown[1]}`;
  const missing = /Option '([^']+?)(?: <value>)?' argument missing/.exec(message);
  if (missing) return `flag ${(missing[1] ?? '').split(',').pop()?.trim()} needs a value`;
  return message.split('\n')[0] ?? message;
}

export function renderHelp(command: string, summary: string, specs: FlagSpecs, details?: string): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const value = spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : '';
    const left = `  ${spec.short ? `-${spec.short}, ` : ''}--${name}${value}`;
    const notes: string[] = [];
    if (spec.required) notes.push('required');
    if (spec.multiple) notes.push('repeatable');
    if (spec.choices) notes.push(spec.choices.join('|'));
    if (spec.default !== undefined && spec.default !== '') notes.push(`default ${String(spec.default)}`);
    if (spec.env) notes.push(`env ${spec.env}`);
    const right = spec.description + (notes.length ? ` (${notes.join('; ')})` : '');
    return left.padEnd(34) + ' ' + right;
  });
  return [
    `Usage: image-lifecycle ${command} [flags]`,
    '',
    summary,
    '',
    'Flags:',
    ...rows,
    ...(details ? ['', details] : []),
    '',
  ].join('\n');
}
