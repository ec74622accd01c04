// Setup file of the hub-postgres vitest project: PostgreSQL (TEST_DATABASE_URL, from the global set-up
// or the caller) must answer — a clear failure, never a skip, when it does not.
import { beforeAll } from 'vitest';
import { checkTestPostgres } from './test-postgres';

beforeAll(checkTestPostgres);
