import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { steps } from '../../steps/registry.js';
import type { FlagSpecs } from '../../steps/lib/tekton/args.js';
import { clearRegisteredSecrets } from '../../steps/lib/tekton/redact.js';
import { allFlags, runStep } from '../../steps/lib/tekton/step.js';
import { CLUSTER_ADMIN } from '../kube-server/auth.js';
import { addRunSummary } from '../helpers/run-summary.js';
import { makeTempDir } from '../helpers/temp-dirs.js';
import { buildStepStorageFlags, storageIn } from '../integration/build/sample-base.js';
import { baseline, context, loadSteps, overriding, startWorld, type AnyStep, type World } from './world.js';

// One canary secret in every credential input a step takes (docker config password and auth, Pushgateway bearer
// token, webhook URL in a file or the environment, kube token, git credentials), for every registered step, in
// two runs: one where the secret is right and used, one where it is refused and the step reports the refusal.
// Servers that refuse echo the request (URL and Authorization header) back, as some proxies' error pages do.
// The secret must appear in no output, result, written file or notification body, at any log level.

const CANARY = `c4nary-${randomBytes(6).toString('hex')}-S3CRET`;
const USER = 'hardening';
type Mode = 'accepted' | 'refused';

let world: World;
let defs: Map<string, AnyStep>;
let dir: string;
const covered = new Map<string, string>();

beforeAll(async () => {
  defs = await loadSteps();
  world = await startWorld(defs.values(), { registryUser: { username: USER, password: CANARY } });
  dir = makeTempDir('secrets');
  world.cluster?.server?.addUser('canary', CLUSTER_ADMIN, CANARY);
}, 120_000);
afterAll(async () => {
  await world?.stop();
  const lines = [...covered].map(([step, line]) => `  ${step.padEnd(18)} ${line}`);
  addRunSummary(
    'hardening-secrets',
    `Canary secret in every credential input, accepted and refused:\n${lines.join('\n')}`,
  );
});

/** Every form the secret can travel in. */
const FORMS = [
  CANARY,
  Buffer.from(CANARY).toString('base64'),
  Buffer.from(`${USER}:${CANARY}`).toString('base64'),
  encodeURIComponent(CANARY),
];

function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

function webhookUrl(): string {
  return `${world.receiver.url(`/hook/${CANARY}`)}?token=${CANARY}`;
}

/** Per credential flag: the arguments (and environment) that carry the secret, right or refused. */
const CREDENTIALS: Record<string, (mode: Mode) => { args: string[]; env?: Record<string, string> }> = {
  'docker-config': (mode) => {
    const password = mode === 'accepted' ? CANARY : `${CANARY}-wrong`;
    const auth = Buffer.from(`${USER}:${password}`).toString('base64');
    const config = { auths: { [world.registry.host]: { auth, username: USER, password } } };
    return { args: ['--docker-config', write(`docker-config-${mode}.json`, JSON.stringify(config))] };
  },
  kubeconfig: (mode) => {
    const cluster = world.cluster!;
    const text = cluster
      .server!.kubeconfig({ namespace: cluster.namespace })
      .split(cluster.server!.admin.token)
      .join(mode === 'accepted' ? CANARY : `${CANARY}-wrong`);
    return { args: ['--kubeconfig', write(`kubeconfig-${mode}`, text)] };
  },
  'bearer-token-file': (mode) => ({
    args: [
      '--bearer-token-file',
      write('token', `${CANARY}\n`),
      '--pushgateway-url',
      mode === 'accepted' ? world.pushgateway.url : world.receiver.url('/gateway'),
      '--fail-on-error',
      'true',
    ],
  }),
  'webhook-url-file': () => ({
    args: ['--webhook-url-file', write('webhook-url', `${webhookUrl()}\n`), '--fail-on-error', 'true'],
  }),
  'webhook-url-env': () => ({
    args: ['--webhook-url-env', 'HARDENING_WEBHOOK'],
    env: { HARDENING_WEBHOOK: webhookUrl() },
  }),
  // A Secret the Tasks of a local run read as an env value and as a mounted file; their scripts echo it.
  secret: () => {
    const secret = join(dir, 'creds');
    mkdirSync(secret, { recursive: true });
    writeFileSync(join(secret, 'token'), `${CANARY}\n`);
    const pipeline = join(__dirname, '..', 'fixtures', 'runner', 'secrets.yaml');
    return { args: ['--secret', `creds=${secret}`, '--pipeline', pipeline, '--dry-run=false'] };
  },
  'basic-auth-dir': () => {
    const auth = join(dir, 'git-auth');
    mkdirSync(auth, { recursive: true });
    writeFileSync(join(auth, '.git-credentials'), `http://${USER}:${CANARY}@127.0.0.1\n`);
    writeFileSync(join(auth, '.gitconfig'), '[credential]\n\thelper = store\n');
    return { args: ['--basic-auth-dir', auth] };
  },
};

/** Steps that need more than the bad-input contexts to reach their credentials. */
const USING: Record<string, () => string[]> = {
  // A real build and push: buildah gets the docker config as its auth file.
  build: () => ['--dry-run=false', ...buildStepStorageFlags(storageIn(dir, 'build')), '--layers', 'false'],
};

/** Flags whose name says they carry a credential: each must have a canary writer above. */
const LOOKS_SECRET = /token|secret|password|credential|auth(?!or)|webhook-url|docker-config|kubeconfig/;

/** Refusing servers answer with what they were sent, the way some proxy error pages do. */
function echo(req: { path: string; headers: Record<string, unknown> }) {
  return {
    status: 401,
    body: `denied ${req.path} with ${String(req.headers.authorization ?? 'no authorization')}`,
  };
}

function filesUnder(path: string): string[] {
  if (statSync(path).isFile()) return [readFileSync(path, 'utf8')];
  return readdirSync(path).flatMap((entry) => filesUnder(join(path, entry)));
}

async function runWithCanary(name: string, def: AnyStep, flags: string[], mode: Mode): Promise<string[]> {
  const parts = flags.map((flag) => CREDENTIALS[flag]!(mode));
  // The arguments that make the step use its credentials (a dry run, or no --attach, would never read them).
  const using = [...flags.flatMap((flag) => context(name, flag, world)), ...(USING[name]?.() ?? [])];
  const argv = overriding(
    overriding(baseline(name, def, world).argv, using),
    parts.flatMap((p) => p.args),
  );
  const env = Object.assign({ LOG_LEVEL: 'debug' }, ...parts.map((p) => p.env ?? {})) as Record<
    string,
    string
  >;
  const results = makeTempDir('secrets-results');
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  world.receiver.reset(mode === 'refused' ? echo : undefined);
  // Nothing registered by an earlier run may mask a leak of this one.
  clearRegisteredSecrets();
  const out: string[] = [];
  // Some steps also write to the process's own streams (a local run prints its TaskRuns' logs there).
  const writes = [process.stdout.write, process.stderr.write] as const;
  const capture = (chunk: unknown): boolean => (out.push(String(chunk)), true);
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    const code = await runStep(def, [...argv, '--results-dir', results], {
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
    });
    out.push(`exit ${code}`);
  } finally {
    [process.stdout.write, process.stderr.write] = writes;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const written = [...filesUnder(results), ...filesUnder(world.scratch)];
  const notifications = world.receiver.requests.map((r) => r.body);
  for (const entry of readdirSync(world.scratch))
    rmSync(join(world.scratch, entry), { recursive: true, force: true });
  return [out.join(''), ...written, ...notifications];
}

test('every flag that looks like a credential has a canary, and takes it from a file, a directory or the environment', () => {
  const secretFlags = [...defs].flatMap(([name, def]) =>
    Object.entries(allFlags(def) as FlagSpecs)
      .filter(([flag]) => LOOKS_SECRET.test(flag))
      .map(([flag, spec]) => ({ where: `${name} --${flag}`, flag, valueName: spec.valueName ?? '' })),
  );
  expect(secretFlags.filter((f) => !CREDENTIALS[f.flag]).map((f) => f.where)).toEqual([]);
  // Never the secret itself on the command line, where `ps` and the TaskRun's YAML show it.
  expect(
    secretFlags
      .filter((f) => !/^(PATH|FILE|DIR|NAME|NAME=DIR)$/.test(f.valueName))
      .map((f) => `${f.where} ${f.valueName}`),
  ).toEqual([]);
});

describe.each(Object.keys(steps))('%s', (name) => {
  test('never shows the canary secret, whether the credential is accepted or refused', async () => {
    const def = defs.get(name)!;
    const flags = Object.keys(allFlags(def) as FlagSpecs).filter((flag) => CREDENTIALS[flag]);
    covered.set(name, '(takes no credentials)');
    if (flags.length === 0) return;
    // One credential at a time: some are alternatives (verify takes a docker config or a ServiceAccount).
    const codes: string[] = [];
    for (const flag of flags) {
      for (const mode of ['accepted', 'refused'] as const) {
        const seen = await runWithCanary(name, def, [flag], mode);
        const leaks = seen.filter((text) => FORMS.some((form) => text.includes(form)));
        expect({ flag, mode, leaks }).toEqual({ flag, mode, leaks: [] });
        codes.push(`--${flag} ${mode}: exit ${/exit (\d)$/.exec(seen[0] ?? '')?.[1]}`);
      }
    }
    covered.set(name, codes.join(', '));
  }, 120_000);
});
