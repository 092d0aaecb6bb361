import { UsageError } from '../errors.js';

export interface Stage {
  index: number;
  /** The FROM image with build arguments substituted: an image reference, `scratch`, or an earlier stage. */
  from: string;
  alias?: string;
}

export interface Containerfile {
  /** ARGs declared before the first FROM, with their defaults: the only ones FROM lines may use. */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
  /** The file's path, for messages. */
  source: string;
}

/** The image the built image starts from: its final stage's FROM, followed through earlier stages. */
export type BaseImage = { kind: 'scratch' } | { kind: 'image'; name: string };

/** Joins continuation lines (the escape character, `\` or a `# escape=` directive's, at the end of a line). */
function logicalLines(text: string): string[] {
  const escape =
    /^#\s*escape\s*=\s*(\S)/im.exec(text.split('\n').find((l) => l.trim() !== '') ?? '')?.[1] ?? '\\';
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (current === '' && /^\s*#/.test(line)) continue;
    if (line.endsWith(escape)) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    if (current.trim()) lines.push(current.trim());
    current = '';
  }
  if (current.trim()) lines.push(current.trim());
  return lines;
}

/** `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME:+alternative}`, as the builder expands them in FROM. */
export function substitute(text: string, vars: ReadonlyMap<string, string | undefined>): string {
  return text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, braced, op, word, bare) => {
      const value = vars.get((braced ?? bare) as string);
      if (op === '-') return value ? value : (word as string);
      if (op === '+') return value ? (word as string) : '';
      return value ?? '';
    },
  );
}

/**
 * Reads the stages of a Containerfile: enough to know which image the build starts from, for the
 * base-image annotations. Build arguments override the global ARG defaults, as they do for the builder.
 */
export function parseContainerfile(
  text: string,
  buildArgs: ReadonlyMap<string, string> = new Map(),
  source = 'Containerfile',
): Containerfile {
  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const keyword = instruction.toUpperCase();
    if (keyword === 'ARG' && stages.length === 0) {
      for (const decl of rest) {
        const eq = decl.indexOf('=');
        const name = eq < 0 ? decl : decl.slice(0, eq);
        const fallback = eq < 0 ? undefined : decl.slice(eq + 1).replace(/^"(.*)"$/, '$1');
        globalArgs.set(name, buildArgs.get(name) ?? fallback);
      }
    } else if (keyword === 'FROM') {
      const words = rest.filter((w) => !w.startsWith('--'));
      const [image = '', as, alias] = words;
      stages.push({
        index: stages.length,
        from: substitute(image, globalArgs),
        ...(as?.toUpperCase() === 'AS' && alias ? { alias } : {}),
      });
    }
  }
  return { globalArgs, stages, source };
}

/** The base image of the stage `target` builds (the last stage without a target). */
export function baseImage(file: Containerfile, target?: string): BaseImage {
  if (file.stages.length === 0) throw new UsageError(`${file.source}: no FROM instruction`);
  const byAlias = (name: string, before: number) =>
    file.stages
      .slice(0, before)
      .reverse()
      .find((s) => s.alias?.toLowerCase() === name.toLowerCase());
  let stage = target ? byAlias(target, file.stages.length) : file.stages[file.stages.length - 1];
  if (!stage) {
    const names = file.stages.map((s) => s.alias).filter(Boolean);
    throw new UsageError(
      `--target ${target}: no stage of that name in the Containerfile (stages: ${names.join(', ') || 'none named'})`,
    );
  }
  for (;;) {
    if (stage.from === '')
      throw new UsageError(
        `${file.source}: FROM of stage ${stage.alias ?? stage.index + 1} is empty after build arguments are applied`,
      );
    if (stage.from.toLowerCase() === 'scratch') return { kind: 'scratch' };
    const earlier: Stage | undefined = byAlias(stage.from, stage.index);
    if (!earlier) return { kind: 'image', name: stage.from };
    stage = earlier;
  }
}
