import type { FlagSpec } from '../../steps/lib/tekton/args.js';
import type { FlagKind } from './flag-kinds.js';

/** One wrong input: the flag's occurrences in the baseline are replaced by `args`. */
export interface BadCase {
  /** Short, stable name of the kind of mistake, e.g. `injection-subshell`; the allowlist refers to it. */
  id: string;
  args: string[];
  /** Text that identifies the input in the error line besides the flag's name (a file's name). */
  names?: string;
}

/** What the corpus points flags at: files made once per run, and the test registry. */
export interface Targets {
  /** host:port of the test registry: a reference accepted by mistake fails fast there. */
  registryHost: string;
  missing: string;
  directory: string;
  regularFile: string;
  empty: string;
  garbage: string;
  binary: string;
  yamlBomb: string;
  jsonDuplicateKeys: string;
  yamlDuplicateKeys: string;
  scalar: string;
  list: string;
  /** `<dir>/nested/../../<elsewhere>/secret.txt`: a file outside the folder, holding SECRET_CONTENT. */
  traversal: string;
  /** A path under a regular file, which no one can create. */
  underFile: string;
}

/** Written into the file the traversal case reaches; it must never be printed. */
export const SECRET_CONTENT = 'root:$6$hardening-canary-0b9f1c$shadow-line';

/** More than any argument can be: refused by the flag parser for every step. */
export const HUGE = 'a'.repeat(1024 * 1024);
/** Under the parser's limit, so each step's own checks meet it (and any quadratic regex shows). */
export const LONG = 'a'.repeat(100 * 1024);

/** Mistakes any single-value string flag can meet. */
function common(name: string, spec: FlagSpec): BadCase[] {
  const flag = `--${name}`;
  const cases: BadCase[] = [
    { id: 'nul', args: [flag, 'x\0y'] },
    { id: 'huge', args: [flag, HUGE] },
    { id: 'long', args: [flag, LONG] },
  ];
  if (!spec.multiple) {
    cases.push({ id: 'newline', args: [flag, 'x\ny'] });
    cases.push({ id: 'given-twice', args: [flag, 'one', flag, 'two'] });
  }
  if (spec.required || spec.choices) cases.push({ id: 'empty', args: [`${flag}=`] });
  return cases;
}

/** Things people paste into references and names: shell, Tekton variables left unresolved, control characters. */
const INJECTIONS: Array<[string, string]> = [
  ['injection-subshell', '$(touch /tmp/pwned)'],
  ['injection-semicolon', 'x;rm -rf /'],
  ['injection-backtick', 'x`id`'],
  ['injection-tekton-var', '$(params.IMAGE)'],
  ['rtl-override', 'app\u202Egpj'],
];

function values(flag: string, list: Array<[string, string]>, suffix = ''): BadCase[] {
  return list.map(([id, value]) => ({ id, args: [flag, value + suffix] }));
}

function injections(flag: string, prefix = ''): BadCase[] {
  // One of them in the --flag=value form, the way some people (and Tasks) write flags.
  return INJECTIONS.map(([id, value], i) => ({
    id,
    args: i === 0 ? [`${flag}=${prefix}${value}`] : [flag, prefix + value],
  }));
}

const NUMBERS: Array<[string, string]> = [
  ['not-a-number', 'abc'],
  ['negative', '-1'],
  ['fraction', '1.5'],
  ['exponent', '1e3'],
  ['hex', '0x10'],
  ['overflow', '99999999999999999999999'],
  ['nan', 'NaN'],
  ['padded', ' 3'],
  ['arabic-digits', '\u0663'],
];

function fileCases(flag: string, files: Targets): BadCase[] {
  const cases: Array<[string, string]> = [
    ['file-missing', files.missing],
    ['file-is-directory', files.directory],
    ['file-empty', files.empty],
    ['file-garbage-1mb', files.garbage],
    ['file-binary', files.binary],
    ['file-yaml-bomb', files.yamlBomb],
    ['file-json-duplicate-keys', files.jsonDuplicateKeys],
    ['file-yaml-duplicate-keys', files.yamlDuplicateKeys],
    ['file-scalar', files.scalar],
    ['file-list', files.list],
    ['file-path-traversal', files.traversal],
  ];
  return cases.map(([id, path]) => ({ id, args: [flag, path], names: path }));
}

/** Every bad input for one flag of one step. */
export function badCases(name: string, spec: FlagSpec, kind: FlagKind, targets: Targets): BadCase[] {
  const flag = `--${name}`;
  const files = targets;
  const host = targets.registryHost;
  if (kind === 'boolean') {
    return [
      { id: 'boolean-word', args: [`${flag}=yes`] },
      { id: 'boolean-number', args: [`${flag}=1`] },
      { id: 'boolean-empty', args: [`${flag}=`] },
    ];
  }
  const cases = common(name, spec);
  switch (kind) {
    case 'choice':
      cases.push(
        { id: 'not-a-choice', args: [flag, 'bogus'] },
        { id: 'choice-case', args: [flag, String(spec.choices?.[0]).toUpperCase() + 'X'] },
        { id: 'choice-lookalike', args: [flag, `\uFF41${String(spec.choices?.[0]).slice(1)}`] },
        ...injections(flag),
      );
      break;
    case 'image-ref':
      cases.push(
        ...injections(flag, `${host}/`),
        ...values(flag, [
          ['uppercase-repo', `${host}/Team/App:1`],
          ['space-in-tag', `${host}/app:bad tag!`],
          ['short-digest', `${host}/app@sha256:abc`],
          ['scheme', `http://${host}/app:1`],
          ['fullwidth', `${host}/\uFF41pp:1`],
          ['path-traversal', `${host}/../../etc/passwd`],
          ['tag-too-long', `${host}/app:${'t'.repeat(129)}`],
        ]),
      );
      break;
    case 'git-ref':
      cases.push(
        ...injections(flag, 'refs/heads/'),
        ...values(flag, [
          ['dot-dot', 'refs/heads/a..b'],
          ['space', 'refs/heads/a b'],
          ['empty-branch', 'refs/heads/'],
          ['unknown-namespace', 'refs/bogus/x'],
        ]),
      );
      break;
    case 'host':
      cases.push(
        ...injections(flag),
        ...values(flag, [
          ['space', `${host.split(':')[0]} :${host.split(':')[1]}`],
          ['scheme', `http://${host}`],
          ['with-path', `${host}/team`],
          ['port-out-of-range', `${host.split(':')[0]}:99999`],
          ['fullwidth', '\uFF52egistry.example.com'],
          ['path-traversal', '../../etc'],
        ]),
      );
      break;
    case 'repository':
      cases.push(
        ...injections(flag, spec.valueName === 'REPO' ? `${host}/` : ''),
        ...values(flag, [
          ['uppercase', `${host}/Team/App`],
          ['double-slash', `${host}/a//b`],
          ['path-traversal', `${host}/../etc`],
          ['fullwidth', `${host}/\uFF41pp`],
        ]),
      );
      break;
    case 'tag':
      cases.push(
        ...injections(flag),
        ...values(flag, [
          ['leading-dash', '-latest'],
          ['space', 'a b'],
          ['too-long', 't'.repeat(129)],
          ['colon', 'a:b'],
        ]),
      );
      break;
    case 'tags':
      cases.push(
        ...injections(flag, 'ok,'),
        ...values(flag, [
          ['leading-dash', 'ok,-latest'],
          ['too-long', `ok,${'t'.repeat(129)}`],
          ['json-truncated', '["a",'],
          ['json-not-strings', '[1, 2]'],
          ['json-object', '{"a": "b"}'],
          ['json-duplicate-keys', '{"a": "b", "a": "c"}'],
        ]),
      );
      break;
    case 'count':
      cases.push(...values(flag, NUMBERS));
      break;
    case 'duration':
      cases.push(
        ...values(flag, [
          ['not-a-duration', 'soon'],
          ['negative', '-5s'],
          ['unknown-unit', '5x'],
          ['overflow', '99999999999999999999h'],
          ['space', '5 s'],
        ]),
      );
      break;
    case 'time':
      cases.push(
        ...values(flag, [
          ['not-a-time', 'yesterday'],
          ['month-13', '2024-13-45T00:00:00Z'],
          ['year-99999', '99999-01-01T00:00:00Z'],
          ['injection-subshell', '$(date)'],
        ]),
      );
      break;
    case 'url':
      cases.push(
        ...values(flag, [
          ['not-a-url', 'not a url'],
          ['ftp', 'ftp://127.0.0.1/x'],
          ['file', 'file:///etc/passwd'],
          ['no-host', 'http://'],
          ['javascript', 'javascript:alert(1)'],
          ['port-out-of-range', 'http://127.0.0.1:99999/'],
          ['injection-tekton-var', '$(params.URL)'],
        ]),
      );
      break;
    case 'regex':
      cases.push(
        ...values(flag, [
          ['unbalanced', '('],
          ['bad-class', '[a-'],
          ['bad-quantifier', '*x'],
        ]),
      );
      break;
    case 'glob':
      cases.push(...injections(flag), ...values(flag, [['bracket', '[']]));
      break;
    case 'platform':
      cases.push(
        ...injections(flag),
        ...values(flag, [
          ['os-only', 'linux'],
          ['too-many-parts', 'linux/amd64/v8/extra'],
          ['empty-part', 'linux//amd64'],
          ['path-traversal', 'linux/../amd64'],
        ]),
      );
      break;
    case 'k8s-name':
      cases.push(
        ...injections(flag),
        ...values(flag, [
          ['uppercase-underscore', 'Bad_Name'],
          ['leading-dash', '-web'],
          ['too-long', 'a'.repeat(254)],
          ['path-traversal', '../web'],
          ['fullwidth', '\uFF57eb'],
        ]),
      );
      break;
    case 'selector':
      cases.push(
        ...injections(flag),
        ...values(flag, [
          ['double-equals-twice', 'a==b==c'],
          ['unclosed-set', 'a in (b'],
          ['bangs', '!!'],
        ]),
      );
      break;
    case 'pair':
      cases.push(
        ...values(flag, [
          ['no-equals', 'novalue'],
          ['empty-name', '=value'],
          ['injection-subshell', '$(id)=x'],
        ]),
      );
      break;
    case 'json':
      cases.push(
        ...values(flag, [
          ['json-truncated', '["A=1",'],
          ['json-object', '{"A": "1"}'],
          ['json-not-strings', '[1]'],
          ['json-duplicate-keys', '{"A": "1", "A": "2"}'],
        ]),
      );
      break;
    case 'yaml-or-file':
      cases.push(
        ...values(flag, [
          ['yaml-truncated', '[{setWeight: 10}'],
          ['yaml-scalar', '42'],
          ['yaml-wrong-types', '[{setWeight: "lots"}]'],
          [
            'yaml-bomb-inline',
            '{a: &a [x, x, x, x, x, x, x, x, x], b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a], c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b], d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c], e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d], f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]}',
          ],
        ]),
        ...fileCases(flag, targets).map((c) => ({ ...c, args: [flag, `@${c.args[1]}`] })),
      );
      break;
    case 'sha':
      cases.push(
        ...injections(flag),
        ...values(flag, [
          ['not-hex', 'xyz'],
          ['too-long', 'a'.repeat(41)],
        ]),
      );
      break;
    case 'digest':
      cases.push(
        ...injections(flag),
        ...values(flag, [
          ['short', 'sha256:abc'],
          ['unknown-algorithm', `md5:${'a'.repeat(32)}`],
        ]),
      );
      break;
    case 'status':
      cases.push(
        ...values(flag, [
          ['unknown-status', 'Bogus'],
          ['injection-tekton-var', '$(tasks.status)'],
        ]),
      );
      break;
    case 'input-file':
      cases.push(...fileCases(flag, targets));
      break;
    case 'output-file':
      cases.push(
        { id: 'output-under-a-file', args: [flag, files.underFile], names: files.underFile },
        { id: 'output-is-directory', args: [flag, files.directory], names: files.directory },
      );
      break;
    case 'input-dir':
      cases.push(
        { id: 'dir-missing', args: [flag, files.missing], names: files.missing },
        { id: 'dir-is-file', args: [flag, files.regularFile], names: files.regularFile },
      );
      break;
    case 'output-dir':
      cases.push(
        { id: 'output-dir-is-file', args: [flag, files.regularFile], names: files.regularFile },
        { id: 'output-under-a-file', args: [flag, files.underFile], names: files.underFile },
      );
      break;
    case 'text':
      cases.push(...injections(flag));
      break;
  }
  return cases;
}

/** Mistakes about the command line as a whole rather than one flag. */
export function argvCases(): BadCase[] {
  return [
    { id: 'unknown-flag', args: ['--no-such-flag', 'x'], names: 'no-such-flag' },
    { id: 'stray-argument', args: ['stray;rm -rf /'], names: 'stray' },
    { id: 'single-dash-flag', args: ['-image', 'x'], names: '-i' },
  ];
}
