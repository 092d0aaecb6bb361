import { commonFlags, parseFlags, renderHelp, type FlagSpecs, type ParsedFlags } from './args.js';
import { checkOutputDir } from '../config/paths.js';
import { ExitCode, StepError, type ExitCodeValue } from '../errors.js';
import { createLogger, type Logger } from './log.js';
import { redact } from './redact.js';
import { ResultsWriter } from './results.js';

export interface StepContext<S extends FlagSpecs> {
  flags: ParsedFlags<S & typeof commonFlags>;
  log: Logger;
  results: ResultsWriter;
  /** Prints the step's outcome on stdout: JSON with --output json, the text rendering otherwise. */
  emit(json: unknown, text: () => string): void;
}

export interface StepDefinition<S extends FlagSpecs = FlagSpecs> {
  name: string;
  summary: string;
  flags: S;
  /** Names of the results the step may write; the task/step contract test checks them against the Task. */
  results: readonly string[];
  details?: string;
  /** The flag a single bare argument fills, for commands used like `image-lifecycle run PIPELINE.yaml`. */
  positional?: string;
  /** Returns the exit code: 0, or 1 when a gate said no. Errors map through StepError. */
  run(ctx: StepContext<S>): Promise<ExitCodeValue | void>;
}

export function defineStep<S extends FlagSpecs>(def: StepDefinition<S>): StepDefinition<S> {
  return def;
}

export interface StepIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIO: StepIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

export function allFlags<S extends FlagSpecs>(def: StepDefinition<S>): S & typeof commonFlags {
  return { ...def.flags, ...commonFlags };
}

/** Runs one step: parse, run, write results, and map every outcome to the contract's exit code. */
export async function runStep<S extends FlagSpecs>(
  def: StepDefinition<S>,
  argv: string[],
  io = defaultIO,
): Promise<ExitCodeValue> {
  const specs = allFlags(def);
  const log = createLogger({ step: def.name, write: (line) => io.stderr(line + '\n') });
  try {
    const flags = parseFlags(def.name, specs, argv, def.positional);
    if (flags.help) {
      io.stdout(renderHelp(def.name, def.summary, specs, def.details));
      return ExitCode.ok;
    }
    // Before the step changes anything: a results directory it cannot write would only show at the end.
    // A step without results never writes one (e.g. `run` on a laptop, where /tekton/results is not there).
    if (def.results.length > 0) checkOutputDir(String(flags['results-dir']), '--results-dir');
    const results = new ResultsWriter(String(flags['results-dir']));
    const ctx: StepContext<S> = {
      flags,
      log,
      results,
      emit(json, text) {
        io.stdout(redact(flags.output === 'json' ? JSON.stringify(json, null, 2) + '\n' : text() + '\n'));
      },
    };
    const code = (await def.run(ctx)) ?? ExitCode.ok;
    results.flush();
    return code;
  } catch (err) {
    return reportFailure(err, log);
  }
}

export function reportFailure(err: unknown, log: Logger): ExitCodeValue {
  if (err instanceof StepError) {
    log.error(oneLine(err.message));
    return err.exitCode;
  }
  const path = pathError(err);
  if (path) {
    log.error(oneLine(path));
    return ExitCode.usage;
  }
  // An unexpected error is a bug: one line for the reader, the stack only when debugging.
  log.error(`internal error: ${oneLine(err instanceof Error ? err.message : String(err))}`);
  if (process.env.DEBUG && err instanceof Error && err.stack) log.debug(err.stack);
  return ExitCode.infra;
}

/** File-system errors that say the path is wrong (missing, not a directory, too long...), not the machine. */
const PATH_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
};

/**
 * A file-system error about a path that escaped the step: the path came from its input (a flag or a file it
 * names), so it is a usage error, reported as one line naming the path. ENOSPC, EIO and the like stay
 * infrastructure failures.
 */
function pathError(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException;
  const why = e && typeof e.code === 'string' ? PATH_ERRORS[e.code] : undefined;
  if (!why || typeof e.path !== 'string') return undefined;
  return `${e.syscall ?? 'access'} ${JSON.stringify(e.path)}: ${why}`;
}

/** Words longer than this in an error line are input echoed back; they are cut. */
const MAX_WORD = 120;

function oneLine(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .trim()
    .replace(
      new RegExp(`\\S{${MAX_WORD + 1},}`, 'g'),
      (word) => `${word.slice(0, 80)}…(${word.length} chars)`,
    );
}
