/** One line of distribution's access log (Apache combined format, written to stdout). */
export interface AccessEntry {
  method: string;
  /** Path with query, as requested. */
  target: string;
  status: number;
  userAgent: string;
}

const COMBINED = /^\S+ \S+ \S+ \[[^\]]+\] "(\S+) (\S+) [^"]*" (\d{3}) \S+ "[^"]*" "([^"]*)"/;

export function parseAccessLine(line: string): AccessEntry | undefined {
  const match = COMBINED.exec(line);
  if (!match) return undefined;
  const [, method = '', target = '', status = '0', userAgent = ''] = match;
  return { method, target, status: Number(status), userAgent };
}
