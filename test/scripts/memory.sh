#!/usr/bin/env bash
# test/scripts/memory.sh: a backend's memory does not grow with work.
#
# One session places order lines and receives stock MEMORY_OPS times in all
# (half placements, half receipts, committing every 1,000), and compares
# the sum of pg_backend_memory_contexts.total_bytes after a warm-up with
# the sum at the end.  Fails if it grew by more than 1 MiB.
#
# CI runs MEMORY_OPS=100000 (the default); the full check of the issue is
#   pg_virtualenv -t -v 15 env MEMORY_OPS=1000000 bash test/scripts/memory.sh
# Runs inside a cluster (PGHOST/PGPORT/PGUSER set, as pg_virtualenv does).
set -euo pipefail
cd "$(dirname "$0")/../.."

ops=${MEMORY_OPS:-100000}
db="backorder_memory_$$"
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
psql -X -q -d postgres -c "CREATE DATABASE $db"
psql -X -q -d "$db" -c "CREATE EXTENSION backorder"

out=$(psql -X -At -v ON_ERROR_STOP=1 -d "$db" <<SQL
SET client_min_messages = warning;
INSERT INTO backorder.items (sku) SELECT 'M-' || g FROM generate_series(1, 100) g;
CREATE PROCEDURE pg_temp.work(first bigint, n bigint) LANGUAGE plpgsql AS \$\$
BEGIN
  FOR i IN first .. first + n - 1 LOOP
    IF i % 2 = 0 THEN
      PERFORM backorder.place_order('m' || i,
        jsonb_build_array(jsonb_build_object('line_no', 1, 'sku', 'M-' || (i % 100 + 1), 'quantity', 2)));
    ELSE
      INSERT INTO backorder.receipts (sku, quantity) VALUES ('M-' || (i % 100 + 1), 2);
    END IF;
    IF i % 1000 = 0 THEN COMMIT; END IF;
  END LOOP;
END \$\$;
CREATE FUNCTION pg_temp.mem() RETURNS bigint LANGUAGE sql AS
  \$\$ SELECT sum(total_bytes)::bigint FROM pg_backend_memory_contexts \$\$;
CALL pg_temp.work(1, 20000);
SELECT 'before ' || pg_temp.mem();
CALL pg_temp.work(20001, $ops);
SELECT 'after ' || pg_temp.mem();
SELECT 'problems ' || count(*) FROM backorder.check();
SQL
)
echo "$out"
before=$(sed -n 's/^before //p' <<<"$out")
after=$(sed -n 's/^after //p' <<<"$out")
problems=$(sed -n 's/^problems //p' <<<"$out")
echo "memory: $ops operations in one session: $before bytes after warm-up, $after at the end ($(( (after - before) / 1024 )) KiB growth)"
[ "$problems" = 0 ] || { echo "memory: check() reports $problems problem(s)"; exit 1; }
(( after - before <= 1048576 )) || { echo "memory: FAILED, the backend grew by more than 1 MiB"; exit 1; }
echo "memory: ok"
