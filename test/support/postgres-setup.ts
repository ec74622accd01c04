// Setup file of the hub-postgres vitest project: PostgreSQL must answer (a clear failure, never a
// skip, when it does not), and every database a test file created is dropped when it ends.
import { afterAll, beforeAll } from 'vitest';
import { checkTestPostgres, dropTestDatabases } from './test-postgres';

beforeAll(checkTestPostgres);
afterAll(dropTestDatabases);
