#!/usr/bin/env bash
# Optional. `npm test` and `npm run bench` start throw-away PostgreSQL and Redis servers of their own
# (test/support/services.ts), as the current user, no sudo. This script is for whoever wants
# long-lived ones instead (to look inside a test database after a run, or to skip the few seconds of
# initdb per run): it starts Debian's PostgreSQL on 5432 with a role kiosk_test that may create
# databases, and Redis on 6379. Run as root: `sudo bash scripts/test-services.sh`. Idempotent.
# Then point the tests at them:
#   TEST_DATABASE_URL=postgres://kiosk_test:kiosk_test@127.0.0.1:5432/postgres TEST_REDIS_URL=redis://127.0.0.1:6379 npm test
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
if ! command -v pg_ctlcluster >/dev/null || ! command -v redis-server >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql redis-server >/dev/null
fi

cluster_version=$(pg_lsclusters --no-header | awk 'NR==1 {print $1}')
cluster_name=$(pg_lsclusters --no-header | awk 'NR==1 {print $2}')
if [ -z "$cluster_version" ]; then
  cluster_version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  cluster_name=main
  pg_createcluster "$cluster_version" "$cluster_name" >/dev/null
fi
pg_ctlcluster "$cluster_version" "$cluster_name" start 2>/dev/null || true
for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 && break; sleep 0.2; done
pg_isready -h 127.0.0.1

# A login role that may create the tests' own throw-away databases.
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiosk_test') THEN
    CREATE ROLE kiosk_test LOGIN CREATEDB PASSWORD 'kiosk_test';
  END IF;
END $$;
-- DROP DATABASE ... WITH (FORCE) ends every connection to a test database, whoever opened it.
GRANT pg_signal_backend TO kiosk_test;
SQL

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >/dev/null
fi
for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
redis-cli -h 127.0.0.1 -p 6379 ping
