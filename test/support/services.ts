// Throw-away PostgreSQL and Redis for the hub's multi-engine and multi-node suites and the bench:
// started as child processes on random loopback ports in a fresh temp dir, stopped and removed after.
// Nothing here needs sudo or the system's servers; TEST_DATABASE_URL / TEST_REDIS_URL, when set,
// point at servers someone else runs and nothing is started. Used by test/support/global-services.ts
// (vitest's global set-up) and test/bench/run.ts.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestServices {
  databaseUrl: string;
  redisUrl: string;
  /** Stops what this call started (nothing when both URLs came from the environment) and removes its temp dir. */
  stop(): Promise<void>;
}

/** The role the tests connect as: a superuser of the throw-away cluster, so it may create and drop databases. */
const ROLE = 'kiosk_test';

/**
 * Sets TEST_DATABASE_URL and TEST_REDIS_URL in this process's environment (so test workers and
 * every child process they spawn inherit them), starting a throw-away server for each one unset.
 */
export async function startTestServices(): Promise<TestServices> {
  const given = { databaseUrl: process.env.TEST_DATABASE_URL, redisUrl: process.env.TEST_REDIS_URL };
  if (given.databaseUrl && given.redisUrl) return { databaseUrl: given.databaseUrl, redisUrl: given.redisUrl, stop: async () => {} };

  const runAs = given.databaseUrl ? undefined : unprivilegedUser();
  const dir = mkdtempSync(join(tmpdir(), 'lk-services-'));
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  const started: Server[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
    if (!given.databaseUrl) delete process.env.TEST_DATABASE_URL;
    if (!given.redisUrl) delete process.env.TEST_REDIS_URL;
  };
  try {
    let databaseUrl = given.databaseUrl;
    if (!databaseUrl) {
      const postgres = await startPostgres(dir, runAs);
      started.push(postgres);
      databaseUrl = postgres.url;
    }
    let redisUrl = given.redisUrl;
    if (!redisUrl) {
      const redis = await startRedis(dir);
      started.push(redis);
      redisUrl = redis.url;
    }
    process.env.TEST_DATABASE_URL = databaseUrl;
    process.env.TEST_REDIS_URL = redisUrl;
    return { databaseUrl, redisUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface Server {
  url: string;
  stop(): Promise<void>;
}

interface User {
  name: string;
  uid: number;
  gid: number;
}

/**
 * initdb and postgres refuse to run as root (CI runs as root): then they run as Debian's `postgres`
 * user (there once the postgresql package is installed), or `nobody`. Undefined for anyone else.
 */
function unprivilegedUser(): User | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
      return { name, uid: id('-u'), gid: id('-g') };
    } catch {
      // No such user: try the next one.
    }
  }
  throw new Error(
    'Running as root, and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as (initdb refuses root): ' +
      'apt-get install postgresql, or set TEST_DATABASE_URL to a PostgreSQL whose role may create databases',
  );
}

/** The newest Debian PostgreSQL server binaries: /usr/lib/postgresql/<version>/bin. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'postgres')))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) {
    throw new Error(
      `PostgreSQL's initdb not found (looked in ${root}/<version>/bin): apt-get install postgresql, ` +
        'or set TEST_DATABASE_URL to a PostgreSQL whose role may create databases',
    );
  }
  return join(root, newest, 'bin');
}

function commandOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin'])) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** A port nothing listens on right now (the server we start may still lose a race for it: see `retryOnBusyPort`). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no free loopback port');
  return address.port;
}

/**
 * The servers' environment: the test run's, without a clock shifted by libfaketime (`faketime '+90 days'
 * npm test` moves the tests' clock; redis-server crashes under libfaketime's LD_PRELOAD, and the servers'
 * own clocks do not matter to any test).
 */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C.UTF-8' };
  for (const key of Object.keys(env)) if (key.startsWith('FAKETIME') || key === 'LD_PRELOAD' || key === 'DONT_FAKE_MONOTONIC') delete env[key];
  return env;
}

/** Spawns `command` as `user` when given (through setpriv, which execs: the child's pid is the server's), in `cwd`. */
function spawnAs(user: User | undefined, command: string, args: string[], cwd: string): ChildProcess {
  const [file, argv] = user ? ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', command, ...args]] : [command, args];
  return spawn(file, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv() });
}

/** Runs a command to its end; its output in the error when it fails. */
async function run(user: User | undefined, command: string, args: string[], cwd: string, what: string): Promise<void> {
  const child = spawnAs(user, command, args, cwd);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve));
  if (code !== 0) throw new Error(`${what} failed (exit ${code}): ${output.trim()}`);
}

/** A long-running server child: waits until `ready()` holds, fails with its output if it exits first; its stop function. */
async function serve(child: ChildProcess, what: string, ready: () => Promise<boolean>, timeoutMs = 60_000): Promise<() => Promise<void>> {
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  let exited = false;
  let spawnError: Error | undefined;
  const closed = new Promise<void>((resolve) =>
    child.once('close', () => {
      exited = true;
      resolve();
    }),
  );
  child.once('error', (error) => {
    spawnError = error;
    exited = true;
  });
  // If this process ends without stopping the server (vitest killed mid-run, an uncaught error), the
  // server must not outlive it: SIGQUIT is PostgreSQL's immediate shutdown and ends Redis too.
  const onExit = () => {
    if (!exited) child.kill('SIGQUIT');
  };
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    process.off('exit', onExit);
    // SIGINT is PostgreSQL's "fast" shutdown; Redis treats it as SIGTERM. Neither has data worth keeping.
    if (!exited) child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await closed;
    clearTimeout(killer);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) {
      process.off('exit', onExit);
      throw new Error(`${what} could not be started: ${spawnError.message}`);
    }
    if (exited) {
      await closed;
      process.off('exit', onExit);
      throw new Error(`${what} exited at start: ${output.trim()}`);
    }
    if (await ready()) return stop;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${what} did not answer within ${timeoutMs / 1000} s: ${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Tries a start on a fresh free port a few times: another process may take the port between our check and the server's bind. */
async function retryOnBusyPort(start: (port: number) => Promise<Server>): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= 3 || !/address already in use|could not bind/i.test(String(error))) throw error;
    }
  }
}

async function startPostgres(dir: string, user: User | undefined): Promise<Server> {
  const bin = postgresBinDir();
  const data = join(dir, 'pg');
  const password = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pgpass');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) chownSync(pwfile, user.uid, user.gid);
  // Password on TCP (the port is open to every local user while the tests run), trust on the temp dir's
  // socket (only the dir's owner can reach it). --no-sync: a throw-away cluster needs no durability.
  await run(
    user,
    join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      ROLE,
      `--pwfile=${pwfile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=trust',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
      '--no-instructions',
    ],
    dir,
    `PostgreSQL's initdb (${bin})`,
  );
  rmSync(pwfile);
  return retryOnBusyPort(async (port) => {
    const url = `postgres://${ROLE}:${password}@127.0.0.1:${port}/postgres`;
    const child = spawnAs(
      user,
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
        '-c',
        'logging_collector=off',
      ],
      dir,
    );
    return { url, stop: await serve(child, `PostgreSQL (${join(bin, 'postgres')}, port ${port})`, () => postgresAnswers(url)) };
  });
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function startRedis(dir: string): Promise<Server> {
  const redisServer = commandOnPath('redis-server');
  if (!redisServer) throw new Error('redis-server not found on PATH: apt-get install redis-server, or set TEST_REDIS_URL to a Redis the tests may use');
  return retryOnBusyPort(async (port) => {
    // No persistence (no RDB snapshots, no AOF); its working dir is the temp dir in case it writes anything.
    const child = spawn(
      redisServer,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv() },
    );
    return { url: `redis://127.0.0.1:${port}`, stop: await serve(child, `Redis (${redisServer}, port ${port})`, () => redisAnswers(port)) };
  });
}

function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
