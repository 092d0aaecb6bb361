interface Frame {
  /** Keys met so far; undefined for an array. */
  keys?: Set<string>;
  expectingKey: boolean;
  path: string;
  /** The key whose value comes next, for the path of a nested object. */
  lastKey?: string;
}

/**
 * The first duplicate or `__proto__` key in a JSON text that JSON.parse has already accepted, described with
 * its path (`$.auths."quay.io"`), or undefined. Keys are compared as decoded strings, so `"a"` and `"\u0061"`
 * are the same key, as they are to every JSON reader.
 */
export function findJsonKeyProblem(text: string): string | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const top = stack[stack.length - 1];
    if (ch === '"') {
      const end = stringEnd(text, i);
      if (top?.keys && top.expectingKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (key === '__proto__') return `the key "__proto__" is not allowed at ${top.path}`;
        if (top.keys.has(key)) return `duplicate key ${JSON.stringify(key)} at ${top.path}`;
        top.keys.add(key);
        top.lastKey = key;
        top.expectingKey = false;
      }
      i = end;
    } else if (ch === '{' || ch === '[') {
      const path = !top ? '$' : top.keys ? `${top.path}.${pathKey(top.lastKey ?? '')}` : `${top.path}[]`;
      stack.push({ keys: ch === '{' ? new Set() : undefined, expectingKey: ch === '{', path });
    } else if (ch === '}' || ch === ']') {
      stack.pop();
    } else if (ch === ',' && top?.keys) {
      top.expectingKey = true;
    }
  }
  return undefined;
}

/** Index of the quote that closes the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}

function pathKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
}
