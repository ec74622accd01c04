// Setup file of the hub-postgres vitest project: PostgreSQL must answer — a clear failure, never a
// skip, when it does not ("start it with `sudo bash scripts/test-services.sh`").
import { beforeAll } from 'vitest';
import { checkTestPostgres } from './test-postgres';

beforeAll(checkTestPostgres);
