// Throw-away PostgreSQL databases for the hub suites: one per hub data dir (a restarted hub finds
// its data again), created through the TEST_DATABASE_URL admin connection and dropped at the end of
// the test file (test/support/postgres-setup.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://kiosk_test:kiosk_test@127.0.0.1:5432/postgres';

/** The engine the hub suites run on: `HUB_TEST_ENGINE=postgres` (the hub-postgres vitest project) or SQLite. */
export const hubTestEngine = (): 'sqlite' | 'postgres' => (process.env.HUB_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite');

const created = new Map<string, { name: string; url: string }>();

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL for the hub tests is not reachable at ${TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} `
      + `(${error instanceof Error ? error.message : String(error)}): start it with \`sudo bash scripts/test-services.sh\``);
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Throws the "start it with scripts/test-services.sh" error when PostgreSQL does not answer. */
export async function checkTestPostgres(): Promise<void> {
  await admin((client) => client.query('select 1'));
}

/** A fresh, empty database with a random name; its URL. */
export async function createTestDatabase(): Promise<{ name: string; url: string }> {
  const name = `lk_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_DATABASE_URL);
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
