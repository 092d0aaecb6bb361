import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { registerSecret } from '../tekton/redact.js';

export interface UrlSource {
  /** A file from a mounted Secret; wins over the environment variable. */
  file?: string;
  /** The environment variable to read when no file is given (set from a Secret with secretKeyRef). */
  env: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads the webhook URL from a Secret, never from a flag (flags show up in the TaskRun spec and the
 * dashboard). The URL, and its path and query where tokens live, are registered as secrets before
 * anything can print them; error messages name where the URL came from, never the URL.
 */
export function readWebhookUrl(
  command: string,
  source: UrlSource,
  env: NodeJS.ProcessEnv = process.env,
): string {
  let raw: string;
  let where: string;
  if (source.file) {
    where = `--webhook-url-file ${source.file}`;
    try {
      raw = readFileSync(source.file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT'
          ? 'no such file (is the Secret mounted?)'
          : code === 'EACCES'
            ? 'permission denied'
            : 'cannot be read';
      throw new UsageError(`${command}: ${where}: ${reason}`);
    }
  } else {
    if (!ENV_NAME.test(source.env))
      throw new UsageError(
        `${command}: --webhook-url-env must be an environment variable name, got "${source.env}"`,
      );
    where = `environment variable ${source.env}`;
    raw = env[source.env] ?? '';
  }
  const url = raw.trim();
  registerSecret(url);
  if (!url) {
    throw new UsageError(
      `${command}: no webhook URL: ${where} is empty (give --webhook-url-file or set ${source.env} from a Secret)`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${command}: ${where} does not hold an absolute URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UsageError(`${command}: ${where} must hold an http(s) URL, not ${parsed.protocol}`);
  }
  registerSecret(parsed.pathname + parsed.search);
  registerSecret(parsed.search.slice(1));
  registerSecret(parsed.password);
  return url;
}
