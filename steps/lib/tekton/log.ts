import { redact } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A line that replaces itself on a terminal and is throttled elsewhere, for long work. */
  progress(message: string): void;
}

export interface LoggerOptions {
  format?: 'text' | 'json';
  level?: LogLevel;
  write?: (line: string) => void;
  step?: string;
  isTTY?: boolean;
  now?: () => Date;
}

const PROGRESS_INTERVAL_MS = 2000;

/**
 * Logs go to stderr so that stdout carries only the step's output (text or JSON).
 * Text is for people reading the dashboard; LOG_FORMAT=json is for machines. Every line is redacted.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? (process.env.LOG_FORMAT === 'json' ? 'json' : 'text');
  const envLevel = process.env.LOG_LEVEL as LogLevel | undefined;
  const level = options.level ?? (envLevel && envLevel in order ? envLevel : 'info');
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = options.now ?? (() => new Date());
  const isTTY = options.isTTY ?? Boolean(process.stderr.isTTY);
  let lastProgress = 0;

  const emit = (lvl: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (order[lvl] < order[level]) return;
    if (format === 'json') {
      const record = { time: now().toISOString(), level: lvl, step: options.step, msg: message, ...fields };
      write(redact(JSON.stringify(record)));
      return;
    }
    const prefix = lvl === 'info' ? '' : `${lvl.toUpperCase()}: `;
    const suffix = fields && Object.keys(fields).length ? ' ' + formatFields(fields) : '';
    write(redact(prefix + message + suffix));
  };

  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    progress(message) {
      if (isTTY && format === 'text') {
        process.stderr.write('\r\x1b[2K' + redact(message));
        return;
      }
      const t = now().getTime();
      if (t - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = t;
      emit('info', message);
    },
  };
}

function formatFields(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** A logger that keeps lines in memory; used where a caller wants to inspect what was logged. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ format: 'text', level: 'debug', write: (l) => lines.push(l), isTTY: false });
  return Object.assign(logger, { lines, progress: (m: string) => lines.push(redact(m)) });
}
