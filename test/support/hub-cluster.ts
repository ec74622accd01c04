// Real servers for the several-nodes suites and the cluster bench: a throw-away PostgreSQL database
// (created from TEST_DATABASE_URL, dropped after), a unique Redis prefix on TEST_REDIS_URL (its keys
// deleted after; both variables set by vitest's global set-up or the bench, test/support/services.ts), and hub nodes as child processes of `cloud/start.ts` (the same entry point as `npm run hub`).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createClient } from 'redis';
import { spawnTsx, type Child } from '../fixtures/spawn-tsx';
import { createTestDatabase, dropTestDatabase } from './test-postgres';

/** The Redis the tests share (each under its own prefix); read when first needed. */
export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) {
    throw new Error(
      'TEST_REDIS_URL is not set: run this suite through `npm test` or `npx vitest run` (the global set-up starts a ' +
        'throw-away Redis), not `npm run test:unit`; or set it to a Redis the tests may use',
    );
  }
  return url;
}

/** A fresh PostgreSQL database (test/support/test-postgres.ts); `drop()` removes it and any session on it. */
export async function testDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const database = await createTestDatabase();
  return { ...database, drop: () => dropTestDatabase(database.name) };
}

/** Runs one SQL query against a test database (for the checks a test makes from outside the hub). */
export async function queryDatabase<T extends pg.QueryResultRow>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** A unique prefix for one test's Redis stream, channels and keys; `cleanup()` deletes them. */
export function testRedisPrefix(tag: string): { url: string; prefix: string; cleanup: () => Promise<void> } {
  const prefix = `lk-test:${tag}:${randomBytes(6).toString('hex')}`;
  const url = testRedisUrl();
  return {
    url,
    prefix,
    async cleanup() {
      const client = createClient({ url });
      client.on('error', () => {});
      await client.connect();
      try {
        const keys: string[] = [];
        for await (const batch of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) keys.push(...batch);
        if (keys.length > 0) await client.del(keys);
      } finally {
        client.destroy();
      }
    },
  };
}

export interface HubNode {
  name: string;
  url: string;
  port: number;
  child: Child;
  pid: number;
  /** Output lines so far (stdout), for a failing test's message. */
  log: () => string;
  /** SIGTERM and wait (a clean stop); a node already dead resolves at once. */
  stop: () => Promise<void>;
  /** SIGKILL and wait: the node dies mid-work, closing nothing. */
  kill: () => Promise<void>;
}

export interface NodeOptions {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  ownerToken: string;
  /** Only for the embedded store when DATABASE_URL is not used. */
  dataDir?: string;
  env?: Record<string, string>;
}

/** Starts one hub node (`cloud/start.ts`) on a free loopback port and waits until it listens. */
export async function startNode(name: string, options: NodeOptions): Promise<HubNode> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HUB_PORT: '0',
    HUB_HOST: '127.0.0.1',
    HUB_SHOP_NAME: 'Kawiarnia Anna',
    HUB_OWNER_TOKEN: options.ownerToken,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    HUB_REDIS_PREFIX: options.redisPrefix,
    ...(options.dataDir ? { HUB_DATA_DIR: options.dataDir } : {}),
    ...options.env,
  };
  const child = spawnTsx('cloud/start.ts', [], env);
  const listening = (lines: string[]) => lines.some((l) => /^hub listening on .*\(port \d+\)/.test(l));
  await child.waitFor(listening, 60_000);
  const port = Number(/\(port (\d+)\)/.exec(child.lines.find((l) => l.startsWith('hub listening'))!)![1]);
  const dead = () => child.proc.exitCode !== null || child.proc.signalCode !== null;
  const signal = async (sig: NodeJS.Signals) => {
    if (!dead()) child.proc.kill(sig);
    await child.exited;
  };
  return {
    name,
    port,
    child,
    pid: child.proc.pid!,
    url: `http://127.0.0.1:${port}`,
    log: () => `${child.lines.join('\n')}\n${child.stderr()}`,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
  };
}

/** A pairing code from any node, with the owner token the nodes were started with. */
export async function pairingCode(node: HubNode, ownerToken: string): Promise<string> {
  const res = await fetch(`${node.url}/owner/pairing-code`, { method: 'POST', headers: { authorization: `Bearer ${ownerToken}` } });
  if (!res.ok) throw new Error(`pairing code from ${node.name}: HTTP ${res.status}`);
  return ((await res.json()) as { code: string }).code;
}

/** Two hub nodes, A and B, on one fresh PostgreSQL database and one fresh Redis prefix. */
export interface TwoNodeHub {
  a: HubNode;
  b: HubNode;
  ownerToken: string;
  databaseUrl: string;
  /** Stops both nodes, then drops the database and the Redis keys. */
  stop(): Promise<void>;
}

export async function twoNodeHub(tag: string): Promise<TwoNodeHub> {
  const ownerToken = randomBytes(16).toString('hex');
  const db = await testDatabase();
  const redis = testRedisPrefix(tag);
  const options = { databaseUrl: db.url, redisUrl: redis.url, redisPrefix: redis.prefix, ownerToken };
  const started: HubNode[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((node) => node.stop()));
    await redis.cleanup();
    await db.drop();
  };
  try {
    started.push(await startNode('A', options));
    started.push(await startNode('B', options));
  } catch (error) {
    await stop();
    throw error;
  }
  return { a: started[0]!, b: started[1]!, ownerToken, databaseUrl: db.url, stop };
}
