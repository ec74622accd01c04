// Setup file of the hub-postgres vitest project: every database a test file created is dropped when it ends.
import { afterAll } from 'vitest';
import { dropTestDatabases } from './test-postgres';

afterAll(dropTestDatabases);
