#!/usr/bin/env bash
# bench/claim_bench.sh: the outbox's speed from the consumer's side.
#   1. how many events per second one consumer (examples/consumer --once)
#      claims and prints, draining EVENTS events written by the engine;
#   2. how long one claim_events(100) takes with 0 claimed events in the
#      table, and with CLAIMED claimed events: restored as claimed and
#      vacuumed (the steady state), and claimed a moment ago by
#      claim_events (dead row versions not yet vacuumed).  Side by side.
#
# Needs the extension installed (make && make install at the top).  Runs in
# the cluster PGHOST/PGPORT/PGUSER name; without PGPORT it starts a
# throwaway one with pg_virtualenv -t -v 15.  Makes its own databases and
# drops them.
#
#   bash bench/claim_bench.sh
#   EVENTS=100000 CLAIMED=1000000 CLAIMS=1000 bash bench/claim_bench.sh
#
# Env: EVENTS (100000), CLAIMED (1000000), CLAIMS (claim_events(100) calls
# timed per condition, 1000).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${PGPORT:-}" ]; then
  exec pg_virtualenv -t -v 15 bash "$0" "$@"
fi

events=${EVENTS:-100000}
claimed=${CLAIMED:-1000000}
claims=${CLAIMS:-1000}
db="backorder_claim_bench_$$"
work=$(mktemp -d -t backorder_claim_bench.XXXXXX)
cleanup() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

fresh_db() {
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null
  q -c "CREATE EXTENSION backorder"
  # the figures must not depend on when autovacuum happens to run
  q -c "ALTER TABLE backorder.events SET (autovacuum_enabled = false)"
}

# restore_events N CLAIMED(true|false): N events brought in as a restore
# does (a superuser supplying every engine column): fast, and the same rows
# the engine writes
restore_events() {
  q -c "INSERT INTO backorder.events (at, kind, order_id, line_no, sku, quantity, detail, claimed_at)
        SELECT now(), 'allocated', 'r' || g, 1, 'S-' || (g % 1000), 1,
               jsonb_build_object('remaining', 0), CASE WHEN $2 THEN now() END
          FROM generate_series(1, $1) g"
}

# time_claims LABEL: CLAIMS calls of claim_events(100), one client, each its
# own transaction; prints avg / p50 / p99 / max / first latency in ms
time_claims() {
  local label=$1
  echo "SELECT count(*) FROM backorder.claim_events(100);" >"$work/claim.sql"
  rm -f "$work"/pgbench_log.*
  (cd "$work" && pgbench -n -c 1 -t "$claims" -f claim.sql -l --log-prefix=pgbench_log "$db" >pgbench.out 2>&1) \
    || { cat "$work/pgbench.out"; exit 1; }
  python3 - "$label" "$work"/pgbench_log.* >>"$work/table" <<'EOF'
import sys
lat = []
for path in sys.argv[2:]:
    for line in open(path):
        lat.append(int(line.split()[2]) / 1000.0)   # µs -> ms, in run order
first = lat[0]
s = sorted(lat)
pct = lambda p: s[min(len(s) - 1, int(p * len(s)))]
print("| %-50s | %8.3f | %8.3f | %8.3f | %8.3f | %9.3f |"
      % (sys.argv[1], sum(s) / len(s), pct(0.5), pct(0.99), s[-1], first))
EOF
}

make -s -C examples >/dev/null
echo "claim_bench: EVENTS=$events CLAIMED=$claimed CLAIMS=$claims on $(psql -X -At -d postgres -c 'SHOW server_version')," \
     "$(nproc) CPUs, shared_buffers $(psql -X -At -d postgres -c 'SHOW shared_buffers'), fsync $(psql -X -At -d postgres -c 'SHOW fsync')"

######## 1. one consumer drains EVENTS events written by the engine
fresh_db
skus=$(( (events + 9) / 10 ))		# 10 waiting lines per item: short queues
q -c "INSERT INTO backorder.items (sku) SELECT 'S-' || g FROM generate_series(1, $skus) g"
t0=$(now_ms)
for ((from = 1; from <= events; from += 10000)); do
  to=$(( from + 9999 < events ? from + 9999 : events ))
  q -c "INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity)
        SELECT 'o' || g, 1, 'S-' || (g % $skus + 1), 1 FROM generate_series($from, $to) g"
done
t1=$(now_ms)
written=$(q -c "SELECT count(*) FROM backorder.events")
echo "engine: $written backordered events written by order lines in $(( t1 - t0 )) ms"
q -c "VACUUM ANALYZE backorder.events"

for batch in 100 1000; do
  if [ "$batch" != 100 ]; then	# the same number again, for the next batch size
    restore_events "$written" false
    q -c "VACUUM ANALYZE backorder.events"
  fi
  t0=$(now_ms)
  examples/consumer --once --batch "$batch" "dbname=$db" >"$work/consumer.out"
  t1=$(now_ms)
  lines=$(wc -l <"$work/consumer.out")
  [ "$lines" = "$written" ] || { echo "consumer printed $lines lines, expected $written"; exit 1; }
  ms=$(( t1 - t0 > 0 ? t1 - t0 : 1 ))
  echo "consumer --once --batch $batch: $lines events in $ms ms = $(( lines * 1000 / ms )) events/s"
done

######## 2. claim_events(100) latency: 0 vs CLAIMED claimed events
{
  echo
  echo "claim_events(100), $claims calls, one client (ms):"
  echo "| condition                                          |      avg |      p50 |      p99 |      max |     first |"
  echo "|----------------------------------------------------|---------:|---------:|---------:|---------:|----------:|"
} >"$work/table"
unclaimed=$(( claims * 100 ))

# a: nothing claimed yet (claimed rows grow to CLAIMS*100 during the run)
fresh_db
restore_events "$unclaimed" false
q -c "VACUUM ANALYZE backorder.events"
time_claims "0 claimed"

# b: CLAIMED claimed events, vacuumed: the steady state of a consumer
fresh_db
restore_events "$claimed" true
restore_events "$unclaimed" false
q -c "VACUUM ANALYZE backorder.events"
time_claims "$claimed claimed (restored as claimed, vacuumed)"

# c: CLAIMED events claimed by claim_events just before, no vacuum since
fresh_db
restore_events "$claimed" false
q -c "VACUUM ANALYZE backorder.events"
t0=$(now_ms)
got=0
while ((got < claimed)); do
  n=$(q -c "SELECT count(*) FROM backorder.claim_events(100000)")
  ((n > 0)) || break
  got=$((got + n))
done
t1=$(now_ms)
echo "claim_events(100000) x $(( (claimed + 99999) / 100000 )): $got events claimed in $(( t1 - t0 )) ms"
restore_events "$unclaimed" false
time_claims "$claimed claimed just now (not vacuumed)"
q -c "VACUUM ANALYZE backorder.events"
restore_events "$unclaimed" false
q -c "ANALYZE backorder.events"
time_claims "$claimed claimed just now, then vacuumed"

check=$(q -c "SELECT count(*) FROM backorder.events WHERE claimed_at IS NULL")
[ "$check" = 0 ] || { echo "claim_bench: $check events left unclaimed after the timed claims"; exit 1; }
cat "$work/table"
