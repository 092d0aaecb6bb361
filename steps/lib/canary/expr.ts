/**
 * The condition language of analysis metrics: the subset of Argo Rollouts' expressions that metric
 * conditions use, evaluated without eval(). `result` is the query's values (one per series):
 *   result < 0.05          (one series: its value)
 *   result[0] >= 0.95 && result[1] >= 0.95
 *   len(result) == 0 || isNaN(result)
 * Operators: || && ! (also or, and, not), == != < <= > >=, + - * /, unary -, parentheses.
 * Functions: len(x), isNaN(x), abs(x), min(x), max(x) (over all values), all values are numbers.
 */
export type Value = number | boolean | number[];

export class ExprError extends Error {}

type Node =
  | { t: 'num'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'ident'; name: string }
  | { t: 'index'; target: Node; index: Node }
  | { t: 'call'; fn: string; args: Node[] }
  | { t: 'unary'; op: '!' | '-'; arg: Node }
  | { t: 'binary'; op: string; left: Node; right: Node };

interface Token {
  kind: 'num' | 'ident' | 'op' | 'end';
  text: string;
  at: number;
}

const OPERATORS = [
  '||',
  '&&',
  '==',
  '!=',
  '<=',
  '>=',
  '<',
  '>',
  '!',
  '+',
  '-',
  '*',
  '/',
  '(',
  ')',
  '[',
  ']',
  ',',
];
const WORD_OPERATORS: Record<string, string> = { or: '||', and: '&&', not: '!' };
const FUNCTIONS = new Set(['len', 'isNaN', 'abs', 'min', 'max']);
const IDENTIFIERS = new Set(['result']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
    if (num) {
      tokens.push({ kind: 'num', text: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (word) {
      const op = WORD_OPERATORS[word[0]];
      tokens.push(op ? { kind: 'op', text: op, at: i } : { kind: 'ident', text: word[0], at: i });
      i += word[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) throw new ExprError(`unexpected "${c}" at position ${i + 1}`);
    tokens.push({ kind: 'op', text: op, at: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

/** Precedence climbing over binary operators, lowest first. */
const LEVELS = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>='], ['+', '-'], ['*', '/']];

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.binary(0);
    const next = this.peek();
    if (next.kind !== 'end') throw new ExprError(`unexpected "${next.text}" at position ${next.at + 1}`);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }

  private take(): Token {
    return this.tokens[this.pos++] as Token;
  }

  private expect(text: string): void {
    const t = this.take();
    if (t.text !== text || t.kind !== 'op')
      throw new ExprError(
        `expected "${text}" at position ${t.at + 1}${t.kind === 'end' ? ' (end of expression)' : `, found "${t.text}"`}`,
      );
  }

  private binary(level: number): Node {
    if (level >= LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    const ops = LEVELS[level] as string[];
    // Comparisons do not chain: `a < b < c` is a mistake, not a range check.
    const chain = level !== 2;
    while (this.peek().kind === 'op' && ops.includes(this.peek().text)) {
      const op = this.take().text;
      left = { t: 'binary', op, left, right: this.binary(level + 1) };
      if (!chain) break;
    }
    return left;
  }

  private unary(): Node {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '!' || t.text === '-')) {
      this.take();
      return { t: 'unary', op: t.text, arg: this.unary() };
    }
    return this.postfix(this.primary());
  }

  private postfix(node: Node): Node {
    while (this.peek().kind === 'op' && this.peek().text === '[') {
      this.take();
      const index = this.binary(0);
      this.expect(']');
      node = { t: 'index', target: node, index };
    }
    return node;
  }

  private primary(): Node {
    const t = this.take();
    if (t.kind === 'num') return { t: 'num', v: Number(t.text) };
    if (t.kind === 'ident') {
      if (t.text === 'true' || t.text === 'false') return { t: 'bool', v: t.text === 'true' };
      if (this.peek().text === '(' && this.peek().kind === 'op') {
        if (!FUNCTIONS.has(t.text))
          throw new ExprError(`unknown function "${t.text}" (known: ${[...FUNCTIONS].join(', ')})`);
        this.take();
        const args: Node[] = [];
        if (!(this.peek().kind === 'op' && this.peek().text === ')')) {
          args.push(this.binary(0));
          while (this.peek().kind === 'op' && this.peek().text === ',') {
            this.take();
            args.push(this.binary(0));
          }
        }
        this.expect(')');
        if (args.length !== 1) throw new ExprError(`${t.text}() takes one argument, got ${args.length}`);
        return { t: 'call', fn: t.text, args };
      }
      if (!IDENTIFIERS.has(t.text))
        throw new ExprError(`unknown name "${t.text}" (the query's values are "result")`);
      return { t: 'ident', name: t.text };
    }
    if (t.kind === 'op' && t.text === '(') {
      const inner = this.binary(0);
      this.expect(')');
      return inner;
    }
    throw new ExprError(
      t.kind === 'end' ? 'the expression ends too soon' : `unexpected "${t.text}" at position ${t.at + 1}`,
    );
  }
}

/** A parsed condition, checked once when the configuration is read. */
export interface Condition {
  text: string;
  evaluate(result: number[]): boolean;
}

function number(v: Value, what: string): number {
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) {
    if (v.length === 1) return v[0] as number;
    throw new ExprError(`result has ${v.length} values where ${what} needs one; pick one with result[i]`);
  }
  throw new ExprError(`${what} is a boolean, not a number`);
}

function boolean(v: Value, what: string): boolean {
  if (typeof v === 'boolean') return v;
  throw new ExprError(`${what} is not a condition (true or false)`);
}

function list(v: Value): number[] {
  return Array.isArray(v) ? v : typeof v === 'number' ? [v] : [];
}

function evaluate(node: Node, result: number[]): Value {
  switch (node.t) {
    case 'num':
    case 'bool':
      return node.v;
    case 'ident':
      return result;
    case 'index': {
      const values = list(evaluate(node.target, result));
      const i = number(evaluate(node.index, result), 'the index');
      if (!Number.isInteger(i) || i < 0 || i >= values.length)
        throw new ExprError(`result[${i}] does not exist: the query returned ${values.length} value(s)`);
      return values[i] as number;
    }
    case 'call': {
      const arg = evaluate(node.args[0] as Node, result);
      switch (node.fn) {
        case 'len':
          return list(arg).length;
        case 'isNaN':
          return Array.isArray(arg)
            ? arg.length > 0 && arg.every(Number.isNaN)
            : Number.isNaN(number(arg, 'isNaN()'));
        case 'abs':
          return Math.abs(number(arg, 'abs()'));
        default: {
          const values = list(arg);
          if (values.length === 0) throw new ExprError(`${node.fn}() of no values`);
          return node.fn === 'min' ? Math.min(...values) : Math.max(...values);
        }
      }
    }
    case 'unary': {
      const v = evaluate(node.arg, result);
      return node.op === '!' ? !boolean(v, 'the operand of !') : -number(v, 'the operand of -');
    }
    case 'binary': {
      if (node.op === '||')
        return (
          boolean(evaluate(node.left, result), 'the left of ||') ||
          boolean(evaluate(node.right, result), 'the right of ||')
        );
      if (node.op === '&&')
        return (
          boolean(evaluate(node.left, result), 'the left of &&') &&
          boolean(evaluate(node.right, result), 'the right of &&')
        );
      const l = evaluate(node.left, result);
      const r = evaluate(node.right, result);
      if ((node.op === '==' || node.op === '!=') && typeof l === 'boolean' && typeof r === 'boolean')
        return node.op === '==' ? l === r : l !== r;
      const a = number(l, `the left of ${node.op}`);
      const b = number(r, `the right of ${node.op}`);
      switch (node.op) {
        case '==':
          return a === b;
        case '!=':
          return a !== b;
        case '<':
          return a < b;
        case '<=':
          return a <= b;
        case '>':
          return a > b;
        case '>=':
          return a >= b;
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        default:
          return a / b;
      }
    }
  }
}

/** Parses a condition; a syntax error is an ExprError naming the position. */
export function parseCondition(text: string): Condition {
  const ast = new Parser(tokenize(text)).parse();
  return {
    text,
    evaluate(result) {
      return boolean(evaluate(ast, result), `"${text}"`);
    },
  };
}
