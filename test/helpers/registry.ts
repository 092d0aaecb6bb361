import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAccessLine } from './access-log.js';
import { runCommand } from './command.js';
import { ADMIN } from './credentials.js';
import { freePort } from './ports.js';
import { startProcess, waitForHttp, waitForOutput, type ManagedProcess } from './processes.js';
import { registryConfigYaml, type RegistryAuthConfig } from './registry-config.js';
import { makeSigningCert } from './signing-cert.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';
import { DEFAULT_TOKEN_USERS, startTokenServer, type TokenServer, type TokenUser } from './token-server.js';

export type RegistryAuthKind = 'none' | 'basic' | 'token';

/** Requests the harness itself sends (readiness, log sync) carry this agent and are left out of accessLog(). */
export const HARNESS_USER_AGENT = 'image-lifecycle-harness';

export const TOKEN_SERVICE = 'image-lifecycle-test-registry';
export const TOKEN_ISSUER = 'image-lifecycle-test-token-issuer';

export interface StartRegistryOptions {
  auth?: RegistryAuthKind;
  /**
   * Who may log in. basic: htpasswd grants every user everything, `actions` does not apply; default ADMIN only.
   * token: per-user actions as the token server grants them; default ADMIN (everything) and READER (pull).
   */
  users?: Record<string, TokenUser>;
  /** token only: actions granted without credentials (e.g. ['pull']); default none. */
  anonymousActions?: readonly string[];
  /** token only: lifetime of issued tokens; see TokenServerOptions.registryLeewaySeconds. */
  tokenTtlSeconds?: number;
  /** storage.delete.enabled; when false distribution answers DELETE with 405 UNSUPPORTED. Default true. */
  deleteEnabled?: boolean;
  /** The registry binary; default the Debian `docker-registry`. */
  command?: string;
}

export interface TestRegistry {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, as it appears in image references. */
  host: string;
  auth: RegistryAuthKind;
  deleteEnabled: boolean;
  storageDir: string;
  users: Readonly<Record<string, TokenUser>>;
  tokenServer?: TokenServer;
  /** Access-log lines written so far (the harness's own requests left out). A line appears just after its response. */
  accessLog(): string[];
  /** Access-log lines once every request answered before this call has been logged. */
  settledAccessLog(): Promise<string[]>;
  /** Recent output of the registry process, for failure messages. */
  outputTail(lines?: number): string;
  stop(): Promise<void>;
}

const ADDRESS_IN_USE = /address already in use/i;
const START_ATTEMPTS = 3;

export async function registryVersion(command = 'docker-registry'): Promise<string> {
  const { stdout } = await runCommand(command, ['--version']);
  return stdout.trim();
}

async function htpasswdFile(path: string, users: Record<string, TokenUser>): Promise<void> {
  const lines: string[] = [];
  for (const [username, { password }] of Object.entries(users)) {
    // bcrypt at the lowest cost: the registry checks it on every request.
    const { stdout } = await runCommand('htpasswd', ['-Bbn', '-C', '4', username, password]);
    lines.push(stdout.trim());
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

function registryEnv(): NodeJS.ProcessEnv {
  // REGISTRY_* variables override config.yml in distribution; one left in the environment would change the test.
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('REGISTRY_')));
}

async function launch(command: string, configPath: string, port: number): Promise<ManagedProcess> {
  const child = startProcess(command, ['serve', configPath], {
    name: `${command} on 127.0.0.1:${port}`,
    env: registryEnv(),
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, {
      process: child,
      headers: { 'user-agent': HARNESS_USER_AGENT },
    });
    // The answer may have come from whoever took the port first; ours says it listens before it serves.
    await waitForOutput(child, new RegExp(`listening on 127\\.0\\.0\\.1:${port}\\b`), 2000);
    return child;
  } catch (error) {
    await child.stop();
    throw error;
  }
}

/** Starts a distribution registry on 127.0.0.1 with its own storage, in one of the three auth variants. */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const authKind = options.auth ?? 'none';
  const deleteEnabled = options.deleteEnabled ?? true;
  const command = options.command ?? 'docker-registry';
  const users =
    options.users ??
    (authKind === 'token' ? DEFAULT_TOKEN_USERS : { [ADMIN.username]: { password: ADMIN.password } });
  const baseDir = makeTempDir('test-registry');
  const storageDir = join(baseDir, 'storage');
  mkdirSync(storageDir);
  let tokenServer: TokenServer | undefined;

  try {
    let auth: RegistryAuthConfig = { kind: 'none' };
    if (authKind === 'basic') {
      const htpasswdPath = join(baseDir, 'htpasswd');
      await htpasswdFile(htpasswdPath, users);
      auth = { kind: 'basic', htpasswdPath };
    } else if (authKind === 'token') {
      const cert = await makeSigningCert(baseDir);
      tokenServer = await startTokenServer({
        service: TOKEN_SERVICE,
        issuer: TOKEN_ISSUER,
        cert,
        users,
        anonymousActions: options.anonymousActions,
        ttlSeconds: options.tokenTtlSeconds,
      });
      auth = {
        kind: 'token',
        realm: tokenServer.realm,
        service: TOKEN_SERVICE,
        issuer: TOKEN_ISSUER,
        rootCertBundle: cert.certPath,
      };
    }

    const configPath = join(baseDir, 'config.yml');
    let child: ManagedProcess | undefined;
    let port = 0;
    for (let attempt = 1; !child; attempt += 1) {
      port = await freePort();
      const httpSecret = randomBytes(16).toString('hex');
      writeFileSync(configPath, registryConfigYaml({ port, storageDir, deleteEnabled, auth, httpSecret }));
      try {
        child = await launch(command, configPath, port);
      } catch (error) {
        // Someone else took the port between freePort() and the bind: pick another.
        if (attempt >= START_ATTEMPTS || !ADDRESS_IN_USE.test(String(error))) throw error;
      }
    }
    const registryProcess = child;
    const url = `http://127.0.0.1:${port}`;
    const accessLog = (): string[] =>
      registryProcess.stdoutLines().filter((line) => {
        const entry = parseAccessLine(line);
        return entry !== undefined && entry.userAgent !== HARNESS_USER_AGENT;
      });

    return {
      url,
      host: `127.0.0.1:${port}`,
      auth: authKind,
      deleteEnabled,
      storageDir,
      users,
      tokenServer,
      accessLog,
      async settledAccessLog() {
        const marker = randomUUID();
        const response = await fetch(`${url}/?harness-sync=${marker}`, {
          headers: { 'user-agent': HARNESS_USER_AGENT },
        });
        await response.arrayBuffer();
        const deadline = Date.now() + 5000;
        while (!registryProcess.stdoutLines().some((line) => line.includes(marker))) {
          if (Date.now() > deadline) throw new Error(`the registry did not log request ${marker} within 5 s`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        return accessLog();
      },
      outputTail: (lines) => registryProcess.outputTail(lines),
      async stop() {
        await registryProcess.stop();
        await tokenServer?.stop();
        removeTempDir(baseDir);
      },
    };
  } catch (error) {
    await tokenServer?.stop();
    removeTempDir(baseDir);
    throw error;
  }
}

/** distribution v3, built by test/tools/build-registry-v3.sh (make test runs it first). */
export const REGISTRY_V3_COMMAND = join(process.cwd(), '.cache', 'bin', 'registry-v3.0.0');
