#!/usr/bin/env bash
# test/scripts/cron.sh: the README's pg_cron recipe, run by the real pg_cron
# (postgresql-15-cron).
#
# Starts its own cluster (initdb and pg_ctl from `pg_config --bindir`, in a
# temporary directory, so it works under pg_virtualenv, scripts/test.sh, and
# a private relocated copy of PostgreSQL alike) with shared_preload_libraries = pg_cron and
# cron.database_name set, creates the extensions, and schedules the jobs of
# the README's "Scheduling with pg_cron" section, with the very job names and
# commands the README gives (read from README.md); only the schedule is made
# faster: '5 seconds' when the installed pg_cron (1.5+) has seconds schedules,
# else '* * * * *' (pg_cron runs those at the next minute).  Then:
#   - expire_holds: a hold that is due (its expires_at passed, no statement
#     since touched its sku, so it still holds its units: checked before the
#     job is scheduled) is expired by the pg_cron run alone: status expired,
#     held 0, the item's held back to 0, its units available; a hold not yet
#     due stays active (a failure when backorder.expire_holds()
#     does not exist);
#   - purge_events('30 days'): a claimed event older than 30 days is gone,
#     a recent claimed one and an old unclaimed one stay;
#   - cron.job_run_details shows a succeeded run of each job.
# Prints "cron: N passed, N failed, N skipped"; exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.."

passed=0
failed=0
skipped=0
ok()    { passed=$((passed + 1)); echo "ok - $1"; }
fail()  { failed=$((failed + 1)); echo "not ok - $1"; }
skip()  { skipped=$((skipped + 1)); echo "SKIP - $1"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1"; echo "#   expected: $3"; echo "#   got:      $2"; fi; }
finish() { echo "cron: $passed passed, $failed failed, $skipped skipped"; [ "$failed" = 0 ]; exit; }

bin=$(pg_config --bindir)
pkglib=$(pg_config --pkglibdir)
db=bo_cron
dir=$(mktemp -d /tmp/backorder-cron.XXXXXX)
chmod 755 "$dir"
mkdir "$dir/run"
[ "$(id -u)" = 0 ] && chown postgres "$dir/run"
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi; }
stop() { as_pg "$bin/pg_ctl -D $dir/run/data -m ${1:-fast} -w stop" >/dev/null 2>&1; }
cleanup() { [ -f "$dir/run/data/postmaster.pid" ] && stop immediate; rm -rf "$dir"; }
trap cleanup EXIT

[ -f "$pkglib/pg_cron.so" ] || { fail "pg_cron is installed ($pkglib/pg_cron.so; Debian package postgresql-15-cron)"; finish; }

# the README's recipe: its cron.schedule lines for backorder
recipe=$(grep -E "^SELECT cron\.schedule\('backorder-" README.md | awk '!seen[$0]++')
echo "# README recipe:"
echo "$recipe" | sed 's/^/#   /'
check "the README schedules expire_holds() and purge_events('30 days')" \
  "$(echo "$recipe" | grep -F -c -e "'SELECT backorder.expire_holds()'" -e "\$\$SELECT backorder.purge_events('30 days')\$\$")" 2

# ------------------------------------------------------------- the cluster
port=$(( 20000 + RANDOM % 20000 ))
export PGHOST=$dir/run PGPORT=$port PGUSER=postgres PGDATABASE=$db
as_pg "$bin/initdb -D $dir/run/data -U postgres -A trust >/dev/null" || { fail "initdb"; finish; }
start() {   # start [extra -c options]
  as_pg "$bin/pg_ctl -D $dir/run/data -l $dir/run/log -w -o \"-p $port -k $dir/run -c listen_addresses= $*\" start" >/dev/null \
    || { fail "starting the cluster"; tail -20 "$dir/run/log"; finish; }
}
start
psql -X -q -d postgres -c "CREATE DATABASE $db" || { fail "CREATE DATABASE"; finish; }
stop
# pg_cron connects to the cron database like a client: through our socket
start "-c shared_preload_libraries=pg_cron -c cron.database_name=$db -c cron.host=$dir/run"
check "pg_cron preloaded" "$(psql -X -A -t -c 'SHOW shared_preload_libraries')" pg_cron
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
q -c "CREATE EXTENSION backorder" -c "CREATE EXTENSION pg_cron" >/dev/null || { fail "CREATE EXTENSION backorder, pg_cron"; finish; }
cron_version=$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'")
if q -c "SELECT 1 FROM pg_extension WHERE extname = 'pg_cron'
           AND (string_to_array(split_part(extversion, '-', 1), '.')::int[]) >= ARRAY[1, 5]" | grep -q 1; then
  schedule='5 seconds'
else
  schedule='* * * * *'
fi
echo "# pg_cron $cron_version: test schedule '$schedule' (the README's schedules stay as they are)"

# --------------------------------------------------------------- fixtures
have_holds=$(q -c "SELECT count(*) FROM pg_proc WHERE oid::regprocedure::text = 'backorder.expire_holds()'")
q >/dev/null <<'SQL' || fail "events fixture"
-- outbox rows as a restore writes them (every engine column set, by a superuser)
INSERT INTO backorder.items (sku) VALUES ('E');
INSERT INTO backorder.events (at, kind, order_id, line_no, sku, quantity, claimed_at) VALUES
  (now() - interval '40 days', 'backordered', 'old-claimed', 1, 'E', 1, now() - interval '39 days'),
  (now() - interval '40 days', 'backordered', 'old-unclaimed', 1, 'E', 1, NULL),
  (now() - interval '2 days', 'backordered', 'recent-claimed', 1, 'E', 1, now() - interval '1 day');
SQL
if [ "$have_holds" = 1 ]; then
  q >/dev/null <<'SQL' || fail "holds fixture"
INSERT INTO backorder.items (sku) VALUES ('H'), ('K');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('H', 5), ('K', 5);
INSERT INTO backorder.holds (hold_id, sku, quantity, expires_at) VALUES
  ('cart-due', 'H', 3, clock_timestamp() + interval '1 second'),
  ('cart-later', 'K', 2, now() + interval '1 hour');
SQL
  sleep 2
  # due now; nothing has touched sku H since, so it still counts
  check "the due hold still holds its units before any job runs (hold status/held, items.held, available)" \
    "$(q -c "SELECT h.status || '/' || h.held || ' ' || i.held || ' ' || s.available
               FROM backorder.holds h JOIN backorder.items i USING (sku) JOIN backorder.stock_levels s USING (sku)
              WHERE h.hold_id = 'cart-due' AND h.expires_at <= now()")" "active/3 3 2"
else
  fail "expire_holds by pg_cron: backorder.expire_holds() does not exist"
fi

# ------------------------------------------------- the README's jobs, faster
jobs=$(echo "$recipe" | sed -E "s/^(SELECT cron\.schedule\('[^']+', )'[^']*'/\1'$schedule'/")
[ "$have_holds" = 1 ] || jobs=$(echo "$jobs" | grep -v expire_holds)
echo "$jobs" | sed 's/^/# scheduled: /'
q -c "$jobs" >/dev/null || { fail "cron.schedule"; finish; }
check "jobs scheduled in cron.job" "$(q -c "SELECT count(*) FROM cron.job WHERE jobname LIKE 'backorder-%'")" \
  "$(echo "$jobs" | grep -c .)"

# wait for a succeeded run of every job (pg_cron runs '* * * * *' at the next minute)
want=$(echo "$jobs" | grep -c .)
for i in $(seq 1 150); do
  done_jobs=$(q -c "SELECT count(DISTINCT j.jobname) FROM cron.job j JOIN cron.job_run_details d USING (jobid)
                     WHERE j.jobname LIKE 'backorder-%' AND d.status = 'succeeded'")
  [ "$done_jobs" = "$want" ] && break
  sleep 1
done
echo "# waited ${i} s for pg_cron"
q -c "SELECT j.jobname, d.status, d.return_message, d.end_time - d.start_time FROM cron.job j
        JOIN cron.job_run_details d USING (jobid) ORDER BY d.runid" | sed 's/^/# run: /'
check "cron.job_run_details: a succeeded run of each job" "$done_jobs" "$want"
check "no failed run" "$(q -c "SELECT count(*) FROM cron.job_run_details WHERE status = 'failed'")" 0

check "purge_events('30 days') by pg_cron: the old claimed event is gone, the recent claimed and old unclaimed stay" \
  "$(q -c "SELECT string_agg(order_id, ',' ORDER BY order_id) FROM backorder.events WHERE sku = 'E'")" \
  "old-unclaimed,recent-claimed"
if [ "$have_holds" = 1 ]; then
  check "expire_holds() by pg_cron: the due hold expired, its units back (hold status/held, items.held, available)" \
    "$(q -c "SELECT h.status || '/' || h.held || ' ' || i.held || ' ' || s.available
               FROM backorder.holds h JOIN backorder.items i USING (sku) JOIN backorder.stock_levels s USING (sku)
              WHERE h.hold_id = 'cart-due'")" "expired/0 0 5"
  check "the hold not yet due stays active" \
    "$(q -c "SELECT status || '/' || held FROM backorder.holds WHERE hold_id = 'cart-later'")" "active/2"
fi
check "check() clean" "$(q -c "SELECT count(*) FROM backorder.check()")" 0

finish
