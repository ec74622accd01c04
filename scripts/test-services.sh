#!/usr/bin/env bash
# Starts the servers the hub's multi-engine tests talk to: Debian's PostgreSQL and Redis on loopback.
# Run as root (CI does; on a workstation: `sudo bash scripts/test-services.sh`). Idempotent.
# The tests reach them through TEST_DATABASE_URL and TEST_REDIS_URL (defaults below).
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
