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
  try {
    ({ values, positionals } = parseArgs({
      args: booleanValues(specs, argv),
      options,
      strict: true,
      allowPositionals: true,
    }));
  } catch (err) {
    throw new UsageError(`${command}: ${describeParseError(err)} (see 'image-lifecycle ${command} --help')`);
  }
  if (positional && positionals.length === 1 && values[positional] === undefined) {
    values[positional] = positionals.shift();
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `${command}: unexpected argument "${positionals[0]}" (flags take the form --name value)`,
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
    if (spec.type === 'string' && !spec.multiple && typeof value === 'string' && /[\r\n\0]/.test(value)) {
      throw new UsageError(`${command}: --${name} must be a single line`);
    }
    if (spec.choices && values[name] !== undefined && !spec.choices.includes(String(values[name]))) {
      throw new UsageError(
        `${command}: --${name} must be one of ${spec.choices.join(', ')}, got "${String(values[name])}"`,
      );
    }
  }
  return values as ParsedFlags<S>;
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
    else if (value !== 'false') throw new UsageError(`--${match[1]} takes true or false, got "${value}"`);
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
