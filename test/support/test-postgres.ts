// Throw-away PostgreSQL databases for the hub suites: one per hub data dir (a restarted hub finds
// its data again), created through the TEST_DATABASE_URL admin connection and dropped at the end of
// the test file (test/support/test-databases-setup.ts). vitest's global set-up sets TEST_DATABASE_URL
// (test/support/global-services.ts: a throw-away PostgreSQL, unless it was set already).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The admin connection (a role that may create and drop databases); read when first needed, so importing this costs nothing. */
export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'TEST_DATABASE_URL is not set: run this suite through `npm test` or `npx vitest run` (the global set-up starts a ' +
        'throw-away PostgreSQL), not `npm run test:unit`; or set it to a PostgreSQL whose role may create databases',
    );
  }
  return url;
}

/** The engine the hub suites run on: `HUB_TEST_ENGINE=postgres` (the hub-postgres vitest project) or SQLite. */
export const hubTestEngine = (): 'sqlite' | 'postgres' => (process.env.HUB_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite');

const created = new Map<string, { name: string; url: string }>();

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = testDatabaseUrl();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL for the hub tests is not reachable at TEST_DATABASE_URL=${url.replace(/:[^:@/]*@/, ':***@')} ` +
        `(${error instanceof Error ? error.message : String(error)}): is that server running? Unset TEST_DATABASE_URL and ` +
        'the test run starts a throw-away PostgreSQL of its own',
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Throws an error saying what to do when PostgreSQL does not answer. */
export async function checkTestPostgres(): Promise<void> {
  await admin((client) => client.query('select 1'));
}

/** A fresh, empty database with a random name; its URL. */
export async function createTestDatabase(): Promise<{ name: string; url: string }> {
  const name = `lk_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  const database = { name, url: url.toString() };
  created.set(name, database);
  return database;
}

/** The database of a hub data dir, created on first use. */
export async function databaseForDir(dir: string): Promise<string> {
  const known = created.get(dir);
  if (known) return known.url;
  const database = await createTestDatabase();
  created.set(dir, database);
  return database.url;
}

export async function dropTestDatabase(name: string): Promise<void> {
  await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  for (const [key, value] of created) if (value.name === name) created.delete(key);
}

/** Drops every database this test file created (the setup file's afterAll). */
export async function dropTestDatabases(): Promise<void> {
  const names = new Set([...created.values()].map((d) => d.name));
  for (const name of names) await dropTestDatabase(name);
}
