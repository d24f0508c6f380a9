#!/usr/bin/env bash
# test/scripts/load.sh: a mixed pgbench workload against the engine, then
# its numbers checked.  Runs in the cluster that PGHOST/PGPORT/PGUSER name
# (pg_virtualenv sets them; the extension is installed, not created); makes
# its own database and drops it at the end.
#
# 8 clients run the scripts of test/load/ (orders of 1 to 3 lines through
# place_order, receipts, shipments of reserved units, cancellations of lines
# and of whole orders, negative and positive adjustments, purchase-order
# inserts and updates) over 4 hot and 200 cold SKUs for LOAD_SECONDS
# (default 20, what CI runs).  The full run:
#
#   pg_virtualenv -t -v 15 env LOAD_SECONDS=60 bash test/scripts/load.sh
#
# Fails (exit 1) when afterwards backorder.check() reports anything, a
# waiting row's expected_at breaks the promise rule (test/load/eta_check.sql), an
# item has reserved > on_hand, any transaction failed with a deadlock
# (40P01) or a serialization failure (40001), or a client aborted on an
# error the scripts do not expect.  Refusals the contract allows when
# requests race (BO001..BO005) are caught in the scripts, counted and
# printed.
#
# Env: LOAD_SECONDS, LOAD_CLIENTS (8), LOAD_PRIORITY_WEIGHT (weight of priority
# updates in the mix, default 5).
set -euo pipefail
cd "$(dirname "$0")/../.."

secs=${LOAD_SECONDS:-20}
clients=${LOAD_CLIENTS:-8}
prio_weight=${LOAD_PRIORITY_WEIGHT:-5}
db="backorder_load_$$"
work=$(mktemp -d -t backorder_load.XXXXXX)
chmod 755 "$work"

cleanup() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# the mix: script and weight; a script's place in this list is its number
# in the pgbench log
scripts=(place receive ship cancel cancel_order adjust_down adjust_up po_insert po_update)
weights=(40    14      14   6      2            4           3         6         6)
if ((prio_weight > 0)); then
  scripts+=(priority); weights+=("$prio_weight")
fi

psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null
psql -X -q -d "$db" -v ON_ERROR_STOP=1 -c "CREATE EXTENSION backorder" >/dev/null
psql -X -q -d "$db" -v ON_ERROR_STOP=1 -f test/load/setup.sql >/dev/null

args=()
for i in "${!scripts[@]}"; do
  args+=(-f "test/load/${scripts[$i]}.sql@${weights[$i]}")
done

echo "load: $clients clients, ${secs}s, database $db"
set +e
pgbench -n -c "$clients" -j 2 -T "$secs" --max-tries=1 --failures-detailed \
  -l --log-prefix="$work/tx" "${args[@]}" -d "$db" >"$work/pgbench.out" 2>"$work/pgbench.err"
pgbench_rc=$?
set -e
grep -E "^(number of (transactions actually processed|failed transactions)|tps)" "$work/pgbench.out" || true

violations=0
violation() { echo "load: VIOLATION: $*"; violations=$((violations + 1)); }

# per-script counts from the transaction log: field 3 is the latency, or
# "serialization" / "deadlock" / "failed" for a failed transaction; field 4
# the script number
cat "$work"/tx.* > "$work/tx.all" 2>/dev/null || true
printf '%-14s %8s %10s %14s %7s\n' script ops deadlocks serialization failed
total=0
for i in "${!scripts[@]}"; do
  read -r ops dl ser fl < <(awk -v s="$i" '$4 == s { n++; if ($3 == "deadlock") d++; else if ($3 == "serialization") z++; else if ($3 == "failed") f++ }
                                           END { printf "%d %d %d %d\n", n, d, z, f }' "$work/tx.all")
  printf '%-14s %8d %10d %14d %7d\n' "${scripts[$i]}" "$ops" "$dl" "$ser" "$fl"
  total=$((total + ops))
  ((dl == 0)) || violation "$dl deadlock(s) (40P01) in ${scripts[$i]}"
  if [ "${scripts[$i]}" = place ] && ((ser > 0)); then
    violation "$ser serialization failure(s) (40001) in place_order transactions"
  fi
done
echo "load: $total operations"
((total > 0)) || violation "no transaction ran (pgbench exit $pgbench_rc)"

# refusals the scripts expect when requests race, caught and raised as NOTICEs
echo "load: business errors caught (expected under contention):"
for code in BO001 BO002 BO003 BO004 BO005; do
  printf '  %s %d\n' "$code" "$(grep -c "load business error $code" "$work/pgbench.err" || true)"
done

# anything else that reached pgbench aborted a client
aborted=$(grep -c "aborted in command" "$work/pgbench.err" || true)
if ((aborted > 0)); then
  grep "aborted in command" "$work/pgbench.err" | head -5
  violation "$aborted client(s) aborted on an unexpected error"
fi

# the numbers
bad=$(psql -X -At -d "$db" -c "SELECT count(*) FROM backorder.check()")
if ((bad > 0)); then
  psql -X -d "$db" -c "SELECT * FROM backorder.check() LIMIT 20"
  violation "backorder.check() reports $bad problem(s)"
fi
stale=$(psql -X -At -d "$db" -f test/load/eta_check.sql | wc -l)
if ((stale > 0)); then
  psql -X -d "$db" -f test/load/eta_check.sql | head -20
  violation "$stale waiting row(s) whose expected_at breaks the promise rule"
fi
over=$(psql -X -At -d "$db" -c "SELECT count(*) FROM backorder.items WHERE reserved > on_hand OR on_hand < 0")
((over == 0)) || violation "$over item(s) with reserved > on_hand or on_hand < 0"
psql -X -d "$db" -c "
  SELECT count(*) AS order_lines,
         sum(quantity) AS units_ordered, sum(reserved) AS reserved, sum(backordered) AS waiting,
         sum(shipped) AS shipped, sum(cancelled) AS cancelled
    FROM backorder.order_lines"

if ((violations > 0)); then
  echo "load: FAILED ($violations violation(s)); pgbench exit $pgbench_rc"
  exit 1
fi
echo "load: ok"
