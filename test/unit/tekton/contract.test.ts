import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultsWriter } from '../../../steps/lib/tekton/results.js';
import { parseFlags } from '../../../steps/lib/tekton/args.js';
import { redact, registerSecret } from '../../../steps/lib/tekton/redact.js';
import { defineStep, runStep } from '../../../steps/lib/tekton/step.js';
import { GateError, UsageError } from '../../../steps/lib/errors.js';
import { createLogger } from '../../../steps/lib/tekton/log.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'il-results-'));

describe('ResultsWriter', () => {
  test('writes each result to its own file', () => {
    const dir = tmp();
    new ResultsWriter(dir).set('IMAGE_DIGEST', 'sha256:abc').set('COUNTS', { a: 1 }).flush();
    expect(readFileSync(join(dir, 'IMAGE_DIGEST'), 'utf8')).toBe('sha256:abc');
    expect(readFileSync(join(dir, 'COUNTS'), 'utf8')).toBe('{"a":1}');
  });

  test('counts results other steps of the task already wrote, and writes nothing when over budget', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'EARLIER'), 'x'.repeat(4000));
    const writer = new ResultsWriter(dir).set('MINE', 'y'.repeat(200));
    expect(() => writer.flush()).toThrow(/4200 bytes, over Tekton's 4096-byte budget.*MINE=200B/);
    expect(existsSync(join(dir, 'MINE'))).toBe(false);
  });

  test('rejects result names Tekton would refuse', () => {
    expect(() => new ResultsWriter(tmp()).set('bad name', 'x')).toThrow(UsageError);
  });
});

describe('parseFlags', () => {
  const specs = {
    image: { type: 'string', description: 'i', required: true },
    mode: { type: 'string', description: 'm', choices: ['a', 'b'], default: 'a' },
    tag: { type: 'string', description: 't', multiple: true },
    force: { type: 'boolean', description: 'f' },
  } as const;

  test('the same value twice is not ambiguous, and repeatable flags repeat', () => {
    expect(
      parseFlags('x', specs, ['--image', 'i', '--image', 'i', '--tag', 'a', '--tag', 'a']),
    ).toMatchObject({
      image: 'i',
      tag: ['a', 'a'],
    });
  });

  test('parses values, defaults and repeatable flags', () => {
    const f = parseFlags('x', specs, ['--image', 'i', '--tag', 'a', '--tag', 'b', '--force']);
    expect(f).toMatchObject({ image: 'i', mode: 'a', tag: ['a', 'b'], force: true });
  });
  test('booleans also take true/false values, as Tekton Tasks must pass them', () => {
    expect(parseFlags('x', specs, ['--image', 'i', '--force', 'false']).force).toBeUndefined();
    expect(parseFlags('x', specs, ['--image', 'i', '--force', 'true']).force).toBe(true);
    expect(parseFlags('x', specs, ['--image', 'i', '--force=false']).force).toBeUndefined();
    expect(() => parseFlags('x', specs, ['--image', 'i', '--force=maybe'])).toThrow(
      /--force takes true or false, got "maybe"/,
    );
  });

  test.each([
    [['--image', 'i', '--nope'], /x: unknown flag --nope/],
    [['--image'], /flag --image needs a value/],
    [[], /--image is required/],
    [['--image', ''], /--image is required/],
    [['--image', 'i', '--mode', 'c'], /--mode must be one of a, b, got "c"/],
    [['--image', 'a\nb'], /--image must be a single line/],
    [['--image', 'i', 'stray'], /unexpected argument "stray"/],
    [['--image', 'a', '--image', 'b'], /--image is given twice with different values; give it once/],
    [['--image', 'i', '--tag', 'a\0b'], /--tag holds a NUL character/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseFlags('x', specs, argv)).toThrow(message);
  });

  test('a value longer than an argument can be is refused, and long values are cut in messages', () => {
    expect(() => parseFlags('x', specs, ['--image', 'x'.repeat(128 * 1024 + 1)])).toThrow(
      /--image is 131073 bytes long; a value can be at most 131072$/,
    );
    expect(() => parseFlags('x', specs, ['--image', 'i', '--mode', 'c'.repeat(500)])).toThrow(
      /--mode must be one of a, b, got "c{80}…"$/,
    );
  });
});

describe('redact', () => {
  test('masks registered secrets and their base64 form', () => {
    registerSecret('canary-s3cret-value');
    const b64 = Buffer.from('canary-s3cret-value').toString('base64');
    expect(redact(`pw=canary-s3cret-value auth ${b64}`)).not.toMatch(/canary-s3cret-value|Y2FuYXJ5/);
  });
  test.each([
    ['Authorization: Bearer abc.def.ghi', 'abc.def'],
    ['authorization=Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpw'],
    ['{"auth":"dXNlcjpwYXNz","password":"hunter22"}', 'hunter22'],
    ['https://user:pa55w0rd@registry.example/v2/', 'pa55w0rd'],
    ['posting to https://hooks.slack.com/services/T000/B000/XXXXSECRET', 'XXXXSECRET'],
    ['token=abcdef123456&x=1', 'abcdef123456'],
  ])('pattern %s', (line, secret) => {
    expect(redact(line)).not.toContain(secret);
  });
});

describe('runStep maps outcomes to exit codes', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) } };
  };
  const step = defineStep({
    name: 'demo',
    summary: 'demo step',
    flags: {
      fail: {
        type: 'string',
        description: 'how to fail',
        choices: ['gate', 'usage', 'bug', 'none'],
        default: 'none',
      },
    },
    results: ['OUT'],
    async run({ flags, results, emit }) {
      if (flags.fail === 'gate') throw new GateError('gate said no');
      if (flags.fail === 'usage') throw new UsageError('bad --thing');
      if (flags.fail === 'bug') throw new TypeError('x is undefined\n    at somewhere.ts:1');
      results.set('OUT', 'done');
      emit({ ok: true }, () => 'ok');
    },
  });

  test.each([
    ['none', 0],
    ['gate', 1],
    ['usage', 2],
    ['bug', 3],
  ])('%s → exit %i with at most one error line', async (fail, code) => {
    const dir = tmp();
    const { err, io: streams } = io();
    expect(await runStep(step, ['--fail', fail, '--results-dir', dir], streams)).toBe(code);
    expect(err.length).toBeLessThanOrEqual(1);
    expect(err.join('')).not.toMatch(/\n\s+at /);
  });

  test('a file-system error about a path the step was given is a usage error naming the path', async () => {
    const reads = defineStep({
      name: 'reads',
      summary: 'reads a file',
      flags: { file: { type: 'string', description: 'f', required: true } },
      results: [],
      async run({ flags }) {
        readFileSync(flags.file);
      },
    });
    const missing = join(tmp(), 'missing.yaml');
    const { err, io: streams } = io();
    expect(await runStep(reads, ['--file', missing, '--results-dir', tmp()], streams)).toBe(2);
    expect(err).toEqual([`ERROR: open ${JSON.stringify(missing)}: no such file or directory\n`]);
  });

  test('input echoed back in an error line is cut', async () => {
    const echoes = defineStep({
      name: 'echoes',
      summary: 'echoes its input',
      flags: { value: { type: 'string', description: 'v', required: true } },
      results: [],
      async run({ flags }) {
        throw new UsageError(`--value ${flags.value} is wrong`);
      },
    });
    const { err, io: streams } = io();
    await runStep(echoes, ['--value', 'v'.repeat(5000), '--results-dir', tmp()], streams);
    expect(err).toEqual([`ERROR: --value ${'v'.repeat(80)}…(5000 chars) is wrong\n`]);
  });

  test('--output json prints JSON on stdout and results are written', async () => {
    const dir = tmp();
    const { out, io: streams } = io();
    await runStep(step, ['--output', 'json', '--results-dir', dir], streams);
    expect(JSON.parse(out.join(''))).toEqual({ ok: true });
    expect(readFileSync(join(dir, 'OUT'), 'utf8')).toBe('done');
  });

  test('--help lists the flags and common flags', async () => {
    const { out, io: streams } = io();
    expect(await runStep(step, ['--help'], streams)).toBe(0);
    expect(out.join('')).toMatch(/--fail VALUE[\s\S]*--results-dir DIR/);
  });
});

describe('logger', () => {
  test('json format carries level, step and redacted message', () => {
    const lines: string[] = [];
    const log = createLogger({
      format: 'json',
      step: 's',
      write: (l) => lines.push(l),
      now: () => new Date(0),
    });
    log.warn('password=hunter2hunter2', { repo: 'a' });
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'warn',
      step: 's',
      msg: 'password=***',
      repo: 'a',
    });
  });
});
