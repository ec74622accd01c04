// Setup file of every vitest project: any PostgreSQL database a test file created through
// test/support/test-postgres.ts and did not drop itself is dropped when the file ends (no connection
// is made when it created none).
import { afterAll } from 'vitest';
import { dropTestDatabases } from './test-postgres';

afterAll(dropTestDatabases);
