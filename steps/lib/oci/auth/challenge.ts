export interface Challenge {
  scheme: 'bearer' | 'basic' | string;
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate header (RFC 7235): `Bearer realm="https://auth",service="registry",scope="a b"`.
 * Several challenges may share one header; the first whose scheme we speak wins.
 */
export function parseChallenges(header: string | undefined): Challenge[] {
  if (!header) return [];
  const challenges: Challenge[] = [];
  const tokenRe = /\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)/y;
  const paramRe = /\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/y;
  let pos = 0;
  while (pos < header.length) {
    tokenRe.lastIndex = pos;
    const scheme = tokenRe.exec(header);
    if (!scheme) break;
    pos = tokenRe.lastIndex;
    const params: Record<string, string> = {};
    for (;;) {
      paramRe.lastIndex = pos;
      const param = paramRe.exec(header);
      if (!param) break;
      // A bare token followed by '=' is a param; a token followed by another token starts the next challenge.
      params[(param[1] ?? '').toLowerCase()] =
        param[2] !== undefined ? param[2].replace(/\\(.)/g, '$1') : (param[3] ?? '');
      pos = paramRe.lastIndex;
    }
    challenges.push({ scheme: (scheme[1] ?? '').toLowerCase(), params });
    while (pos < header.length && /[\s,]/.test(header[pos] ?? '')) pos++;
  }
  return challenges;
}

export function preferredChallenge(header: string | undefined): Challenge | undefined {
  const all = parseChallenges(header);
  return all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic');
}
