#!/usr/bin/env bash
# test/scripts/crash.sh: crash the server under load, restart it, and check
# that nothing a client saw committed is lost and the numbers still add up.
# Runs in the cluster that PGHOST/PGPORT/PGUSER name (pg_virtualenv sets
# them; the extension is installed, not created); makes its own database
# and drops it at the end.
#
# Each of CRASH_ROUNDS rounds (default 5):
#  - the pgbench mix of test/load/ runs in the background (6 clients), and a
#    witness psql session places orders with unique ids, one transaction
#    each, and writes an id down only after its place_order returned;
#  - after 2 to 4 seconds the server is stopped with -m immediate (no
#    shutdown checkpoint: crash recovery on the next start) and restarted;
#  - every order written down must be there with all its lines and units,
#    backorder.check() must be empty and no item may have reserved > on_hand.
#
#   pg_virtualenv -t -v 15 bash test/scripts/crash.sh
#   pg_virtualenv -t -v 15 env CRASH_ROUNDS=20 bash test/scripts/crash.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=${CRASH_ROUNDS:-5}
db="backorder_crash_$$"
work=$(mktemp -d -t backorder_crash.XXXXXX)
chmod 755 "$work"
witness="$work/witness.txt"    # "order_id lines units", one committed order a line
: >"$witness"

ver=$(psql -X -At -d postgres -c "SELECT current_setting('server_version_num')::int / 10000")
datadir=$(psql -X -At -d postgres -c "SHOW data_directory")
conffile=$(psql -X -At -d postgres -c "SHOW config_file")
# the pg_virtualenv cluster (its name is "regress"); found by port
cluster=$(pg_lsclusters -h 2>/dev/null | awk -v v="$ver" -v p="${PGPORT:-5432}" '$1 == v && $3 == p { print $2; exit }')

as_owner() {   # run a command as the owner of the data directory
  if [ "$(id -u)" = 0 ]; then runuser -u "$(stat -c %U "$datadir")" -- "$@"; else "$@"; fi
}
server_crash() {
  if [ -n "$cluster" ]; then pg_ctlcluster -m immediate "$ver" "$cluster" stop
  else as_owner "$(pg_config --bindir)/pg_ctl" -D "$datadir" -m immediate -w stop >/dev/null; fi
}
server_start() {
  if [ -n "$cluster" ]; then pg_ctlcluster "$ver" "$cluster" start
  else as_owner "$(pg_config --bindir)/pg_ctl" -D "$datadir" -o "-c config_file=$conffile" \
         -l "$work/server.log" -w start >/dev/null; fi
  for _ in $(seq 1 60); do   # at most 30 s for crash recovery
    pg_isready -q -d postgres && psql -X -At -d "$db" -c "SELECT 1" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "crash: server did not come back"; return 1
}

bg_pids=()
cleanup() {
  for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_isready -q -d postgres || server_start >/dev/null 2>&1 || true
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null
psql -X -q -d "$db" -v ON_ERROR_STOP=1 -c "CREATE EXTENSION backorder" >/dev/null
psql -X -q -d "$db" -v ON_ERROR_STOP=1 -f test/load/setup.sql >/dev/null
echo "crash: cluster ${cluster:-?} (PostgreSQL $ver, fsync $(psql -X -At -d postgres -c 'SHOW fsync')), $rounds rounds, database $db"

# witness_script ROUND: the witness's orders, 1-3 lines on allow SKUs (no
# refusals expected), each an autocommit transaction followed by an \echo of
# "order_id lines units": psql prints it only after place_order returned,
# i.e. once the COMMIT was acknowledged.  Run with ON_ERROR_STOP, the
# session ends when the server goes away.
witness_script() {
  local round=$1 seq i
  for ((seq = 1; seq <= 3000; seq++)); do
    local n=$((RANDOM % 3 + 1)) units=0 lines=""
    for ((i = 1; i <= n; i++)); do
      local sku q=$((RANDOM % 3 + 1))
      sku=$((RANDOM % 5 == 0 ? 1 : RANDOM % 200 + 5))
      ((sku % 10 == 0)) && sku=$((sku + 1))           # skip the deny SKUs
      lines+="${lines:+,}{\"line_no\": $i, \"sku\": \"LD-$sku\", \"quantity\": $q}"
      units=$((units + q))
    done
    echo "SELECT count(*) AS n FROM backorder.place_order('w$round-$seq', '[$lines]') \gset"
    echo "\\echo w$round-$seq $n $units"
  done >"$work/witness.$round.sql"
}

violations=0
violation() { echo "crash: VIOLATION: $*"; violations=$((violations + 1)); }

for round in $(seq 1 "$rounds"); do
  before=$(wc -l <"$witness")
  witness_script "$round"
  timeout 60 pgbench -n -c 6 -j 2 -T 30 \
    -f test/load/place.sql@40 -f test/load/receive.sql@14 -f test/load/ship.sql@14 \
    -f test/load/cancel.sql@6 -f test/load/cancel_order.sql@2 -f test/load/adjust_down.sql@4 \
    -f test/load/adjust_up.sql@3 -f test/load/po_insert.sql@6 -f test/load/po_update.sql@6 \
    -d "$db" >"$work/pgbench.$round.out" 2>&1 &
  bg_pids=($!)
  timeout 60 psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -f "$work/witness.$round.sql" \
    >"$work/witness.$round.out" 2>"$work/witness.$round.err" &
  bg_pids+=($!)

  sleep "$((RANDOM % 3 + 2))"
  server_crash
  wait "${bg_pids[@]}" 2>/dev/null || true
  bg_pids=()
  cat "$work/witness.$round.out" >>"$witness"
  # the witness must have stopped because the server went away, not on an
  # error of its own
  if grep -q "ERROR:" "$work/witness.$round.err"; then
    grep "ERROR:" "$work/witness.$round.err" | head -3
    violation "round $round: a witness order failed with an error"
  fi
  server_start

  # every order the witness saw committed, with all its lines and units
  missing=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE TEMP TABLE w (order_id text, lines int, units bigint);
\copy w FROM '$witness' WITH (DELIMITER ' ')
SELECT count(*) FROM w
  LEFT JOIN (SELECT order_id, count(*) AS lines, sum(quantity) AS units
               FROM backorder.order_lines GROUP BY order_id) l USING (order_id)
 WHERE l.order_id IS NULL OR l.lines <> w.lines OR l.units <> w.units;
SQL
)
  problems=$(psql -X -At -d "$db" -c "SELECT count(*) FROM backorder.check()")
  over=$(psql -X -At -d "$db" -c "SELECT count(*) FROM backorder.items WHERE reserved > on_hand OR on_hand < 0")
  echo "crash: round $round: killed after $(($(wc -l <"$witness") - before)) witnessed orders this round," \
       "$(wc -l <"$witness") in all: missing $missing, check() problems $problems, reserved > on_hand $over"
  ((missing == 0)) || violation "round $round: $missing witnessed order(s) lost or incomplete"
  if ((problems > 0)); then
    psql -X -d "$db" -c "SELECT * FROM backorder.check() LIMIT 20"
    violation "round $round: backorder.check() reports $problems problem(s)"
  fi
  ((over == 0)) || violation "round $round: $over item(s) with reserved > on_hand"
done

orders=$(wc -l <"$witness")
lines=$(psql -X -At -d "$db" -c "SELECT count(*) FROM backorder.order_lines")
echo "crash: $rounds crashes survived; $orders witnessed orders all checked; $lines order lines in all"
if ((violations > 0)); then
  echo "crash: FAILED ($violations violation(s))"
  exit 1
fi
echo "crash: ok"
