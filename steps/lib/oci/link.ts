import { InfraError } from '../errors.js';

/**
 * Finds the rel="next" target of an RFC 8288 Link header, resolved against the request URL
 * (registries send relative links such as </v2/x/tags/list?last=a&n=50>; rel="next").
 */
export function nextLink(header: string | string[] | undefined, base: string): string | undefined {
  if (!header) return undefined;
  const values = Array.isArray(header) ? header : [header];
  for (const value of values) {
    for (const part of splitLinks(value)) {
      const match = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
      if (!match) continue;
      const params = match[2] ?? '';
      if (/(?:^|;)\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/i.test(params)) {
        return resolveTarget(match[1] ?? '', base);
      }
    }
  }
  return undefined;
}

/**
 * The next page's URL. One the registry sent broken is an infrastructure fault, reported as such: stopping
 * the listing there instead would pass a partial tag list off as the whole.
 */
function resolveTarget(target: string, base: string): string {
  try {
    return new URL(target, base).toString();
  } catch {
    const shown = JSON.stringify(target.length > 80 ? `${target.slice(0, 80)}…` : target);
    throw new InfraError(`the registry sent a Link header whose next page ${shown} is not a URL`);
  }
}

/** Splits on commas that separate links, not those inside <...> or quoted parameter values. */
function splitLinks(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') depth++;
    else if (!quoted && ch === '>') depth--;
    else if (!quoted && depth === 0 && ch === ',') {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}
