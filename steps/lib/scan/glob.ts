/**
 * `*` matches any run of characters, everything else itself; the whole value must match.
 * Matched without a regular expression: a pattern like `*a*a*a*a*b` compiled to `.*a.*a.*a.*a.*b` backtracks
 * exponentially on a near miss, and a pattern long enough is refused by the regex engine outright. This walk
 * is O(pattern × value) at worst: a star only ever resumes from the last star seen.
 */
export function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = v;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
