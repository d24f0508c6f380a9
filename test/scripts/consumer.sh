#!/usr/bin/env bash
# test/scripts/consumer.sh: examples/consumer against a live shop.  Runs in
# the cluster that PGHOST/PGPORT/PGUSER name (pg_virtualenv sets them; the
# extension is installed, not created); makes its own database and drops it
# at the end.  Builds examples/consumer if needed (make -C examples).
#
#   pg_virtualenv -v 15 bash test/scripts/consumer.sh
#
# What it checks, each as one "ok"/"FAIL" line:
#  1. a consumer with no extension in its database exits 1 with a message;
#  2. one consumer (--timeout 30) follows orders, purchase orders, receipts,
#     cancellations, a take-back, a rolled-back and a late-committing
#     transaction: it keeps up within 15 s, so notifications wake it, not
#     its timeout; SIGTERM stops it at once with status 0; every event
#     arrived exactly once, as written (each JSON line against the row);
#  3. two consumers at once under concurrent writers: between them every
#     event exactly once, both exit 0 on SIGINT / SIGTERM;
#  4. --once drains exactly the unclaimed events and exits 0; a second
#     --once prints nothing and exits 0;
#  5. a consumer whose backend is killed (pg_terminate_backend) says so on
#     stderr, reconnects, LISTENs again (new events reach it within 15 s)
#     and loses nothing;
#  6. a consumer that cannot reconnect (database closed to connections)
#     exits non-zero with a message on stderr after its retries;
# and at the end, over every consumer run: every event in backorder.events
# arrived exactly once.  Exit status 1 and a list of what failed otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."

db="backorder_consumer_$$"
work=$(mktemp -d -t backorder_consumer.XXXXXX)
consumer=examples/consumer
failures=()
started=()				# pids of the consumers and writers started here

cleanup() {
  local pid
  for pid in "${started[@]}"; do
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  done
  psql -X -q -d postgres -c "ALTER DATABASE $db ALLOW_CONNECTIONS true" >/dev/null 2>&1 || true
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

ok()   { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures+=("$*"); }

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
# qv SQL -v NAME=VALUE...: psql interpolates variables in its input, not in -c
qv() { local sql=$1; shift; printf '%s\n' "$sql" | q "$@"; }

# wait_for SECONDS SQL: poll until the query returns t
wait_for() {
  local deadline=$((SECONDS + $1)) sql=$2
  while ((SECONDS < deadline)); do
    [ "$(q -c "$sql")" = t ] && return 0
    sleep 0.1
  done
  return 1
}

# start NAME ARGS...: start a consumer in the background, output to $work/NAME.{out,err}
start() {
  local name=$1; shift
  "$consumer" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  started+=($!)
  last_pid=$!
}

# stop_within SECONDS PID: wait for a process to end; sets rc (124: still running, killed)
stop_within() {
  local deadline=$((SECONDS + $1)) pid=$2
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rc=124
    return
  fi
  rc=0
  wait "$pid" || rc=$?
}

# backend_pid APPNAME: the pid of the consumer's server session, or empty
backend_pid() {
  q -c "SELECT pid FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = '$1'
         ORDER BY backend_start DESC LIMIT 1"
}

unclaimed_is_zero="SELECT count(*) = 0 FROM backorder.events WHERE claimed_at IS NULL"

# dump FILE [WHERE]: the events as the consumer should print them, one JSON object a line
dump() {
  q -c "SELECT json_build_object('id', id, 'at', at::text, 'kind', kind, 'order_id', order_id,
                 'line_no', line_no, 'sku', sku, 'quantity', quantity,
                 'expected_at', expected_at::text, 'detail', detail)
          FROM backorder.events ${2:-} ORDER BY id" >"$1"
}

# compare EXPECTED OUTPUT...: every expected event exactly once, nothing else, as written
cat >"$work/compare.py" <<'EOF'
import json, sys
expected = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    expected[e["id"]] = e
seen, problems = {}, []
keys = ["id", "at", "kind", "order_id", "line_no", "sku", "quantity", "expected_at", "detail"]
for path in sys.argv[2:]:
    for n, line in enumerate(open(path), 1):
        try:
            e = json.loads(line)
        except ValueError as err:
            problems.append("%s:%d: not JSON (%s): %r" % (path, n, err, line[:200]))
            continue
        if not isinstance(e, dict) or sorted(e) != sorted(keys):
            problems.append("%s:%d: keys %s" % (path, n, sorted(e) if isinstance(e, dict) else e))
            continue
        seen[e["id"]] = seen.get(e["id"], 0) + 1
        if e["id"] in expected and e != expected[e["id"]]:
            problems.append("%s:%d: event %s printed %s, table has %s" % (path, n, e["id"], e, expected[e["id"]]))
missing = sorted(set(expected) - set(seen))
extra = sorted(set(seen) - set(expected))
twice = sorted(i for i, c in seen.items() if c > 1)
if missing: problems.append("missing ids (%d): %s" % (len(missing), missing[:50]))
if extra: problems.append("ids not expected (%d): %s" % (len(extra), extra[:50]))
if twice: problems.append("ids printed more than once (%d): %s" % (len(twice), twice[:50]))
if not expected: problems.append("no events to compare: the workload wrote none")
for p in problems[:30]:
    print("   ", p)
print("    %d events expected, %d lines read" % (len(expected), sum(seen.values())))
sys.exit(1 if problems else 0)
EOF

# compare_as NAME EXPECTED OUTPUT...
compare_as() {
  local name=$1; shift
  if python3 "$work/compare.py" "$@"; then ok "$name"; else fail "$name"; fi
}

# workload P: items P-1..P-4 and a shop's day on them, each step its own transaction
workload() {
  local p=$1
  q -v p="$p" >/dev/null <<'SQL'
-- P-5 is for the late transaction alone, so that nobody waits for its item lock
INSERT INTO backorder.items (sku) SELECT :'p' || '-' || g FROM generate_series(1, 5) g;
-- 12 orders of two lines, no stock yet: backordered
SELECT count(*) FROM generate_series(1, 12) g,
  LATERAL backorder.place_order(:'p' || '-o' || g, jsonb_build_array(
    jsonb_build_object('line_no', 1, 'sku', :'p' || '-' || (g % 4 + 1), 'quantity', g % 5 + 1),
    jsonb_build_object('line_no', 2, 'sku', :'p' || '-' || ((g + 1) % 4 + 1), 'quantity', 2)));
SQL
  sleep 0.2
  # purchase orders: waiting rows get promised dates (eta_changed)
  qv "INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
      SELECT :'p' || '-po' || g, :'p' || '-' || g, 12, now() + g * interval '3 days'
      FROM generate_series(1, 4) g" -v p="$p" >/dev/null
  # receipts, one transaction each: allocated
  for g in 1 2 3 4; do
    qv "INSERT INTO backorder.receipts (sku, quantity, purchase_order_id)
        VALUES (:'p' || '-' || :g, 5 + :g, :'p' || '-po' || :g)" -v p="$p" -v g="$g" >/dev/null
  done
  # a transaction that rolls back: its events never exist
  q -v p="$p" >/dev/null <<'SQL'
BEGIN;
SELECT count(*) FROM backorder.place_order(:'p' || '-rb', jsonb_build_array(
  jsonb_build_object('line_no', 1, 'sku', :'p' || '-1', 'quantity', 50)));
ROLLBACK;
SQL
  # a late commit: placed first, committed after the others below
  q -v p="$p" >/dev/null <<'SQL' &
BEGIN;
SELECT count(*) FROM backorder.place_order(:'p' || '-late', jsonb_build_array(
  jsonb_build_object('line_no', 1, 'sku', :'p' || '-5', 'quantity', 9)));
SELECT pg_sleep(1);
COMMIT;
SQL
  local late=$!
  sleep 0.2
  # cancellations (waiting units: cancelled) and a cancelled order
  qv "SELECT count(backorder.cancel_order(:'p' || '-o' || g)) FROM generate_series(1, 12, 4) g" -v p="$p" >/dev/null
  qv "INSERT INTO backorder.cancellations (order_id, line_no, quantity, reason)
      SELECT order_id, line_no, 1, 'customer changed their mind'
      FROM backorder.order_lines
      WHERE order_id LIKE :'p' || '-o%' AND backordered > 1 LIMIT 3" -v p="$p" >/dev/null
  # damaged stock: reserved units taken back wait again (backordered)
  qv "INSERT INTO backorder.adjustments (sku, delta, reason)
      SELECT sku, -least(on_hand, 2), 'damaged' FROM backorder.items
      WHERE sku LIKE :'p' || '-%' AND on_hand > 0" -v p="$p" >/dev/null
  wait "$late"
}

# writers P N: N concurrent writers, each placing orders and receiving goods
writers() {
  local p=$1 n=$2 i pids=()
  qv "INSERT INTO backorder.items (sku) SELECT :'p' || '-' || g FROM generate_series(1, 4) g" -v p="$p" >/dev/null
  for ((i = 1; i <= n; i++)); do
    (
      for ((k = 1; k <= 15; k++)); do
        qv "SELECT count(*) FROM backorder.place_order(
            :'p' || '-w' || :w || '-' || :k, jsonb_build_array(
            jsonb_build_object('line_no', 1, 'sku', :'p' || '-' || (:k % 4 + 1), 'quantity', :k % 3 + 1)))" -v p="$p" -v w="$i" -v k="$k" >/dev/null
        if ((k % 5 == 0)); then
          qv "INSERT INTO backorder.receipts (sku, quantity)
              VALUES (:'p' || '-' || (:k % 4 + 1), 4)" -v p="$p" -v k="$k" >/dev/null
        fi
      done
    ) &
    pids+=($!)
  done
  local rc=0 pid
  for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
  return $rc
}

echo "consumer: database $db"
if ! make -s -C examples >"$work/make.log" 2>&1; then
  cat "$work/make.log"
  echo "FAIL: make -C examples"
  exit 1
fi
psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null

# 1. no extension yet: an SQL error, status 1, said on stderr
rc=0
"$consumer" --once "dbname=$db" >"$work/noext.out" 2>"$work/noext.err" || rc=$?
if [ "$rc" = 1 ] && grep -q 'claim_events failed' "$work/noext.err" && [ ! -s "$work/noext.out" ]; then
  ok "no extension: exit 1 with a message"
else
  fail "no extension: exit $rc, stderr: $(head -c 300 "$work/noext.err")"
fi
q -c "CREATE EXTENSION backorder"

# 2. one consumer through a shop's day
start main --batch 7 --timeout 30 "dbname=$db application_name=bo_test_main"
main=$last_pid
if wait_for 10 "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'bo_test_main'"; then
  ok "main: connected"
else
  fail "main: not connected within 10 s: $(cat "$work/main.err")"
fi
workload A
if wait_for 15 "$unclaimed_is_zero"; then
  ok "main: every event claimed within 15 s (woken by notifications; its timeout is 30 s)"
else
  fail "main: $(q -c "SELECT count(*) FROM backorder.events WHERE claimed_at IS NULL") events still unclaimed after 15 s"
fi
sleep 0.3			# let it go back to waiting in select()
kill -TERM "$main"
t0=$(date +%s%N)
stop_within 3 "$main"
if [ "$rc" = 0 ]; then
  ok "main: SIGTERM while waiting: exit 0 in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
else
  fail "main: SIGTERM: exit status $rc (124: still running after 3 s); stderr: $(cat "$work/main.err")"
fi
[ -s "$work/main.err" ] && { echo "    main stderr:"; sed 's/^/      /' "$work/main.err"; }
dump "$work/expected_main.jsonl"
q -c "SELECT 'kinds: ' || string_agg(kind || ' ' || n, ', ' ORDER BY kind)
        FROM (SELECT kind, count(*) n FROM backorder.events GROUP BY kind) k"
if [ "$(q -c "SELECT count(DISTINCT kind) FROM backorder.events")" = 4 ]; then
  ok "workload: all four kinds of event written"
else
  fail "workload: not every kind of event was written"
fi
compare_as "main: every event exactly once, as written" "$work/expected_main.jsonl" "$work/main.out"

# 3. two consumers at once, concurrent writers
start twin1 --batch 3 --timeout 30 "dbname=$db application_name=bo_test_twin1"
twin1=$last_pid
start twin2 --batch 5 --timeout 30 "dbname=$db application_name=bo_test_twin2"
twin2=$last_pid
wait_for 10 "SELECT count(*) = 2 FROM pg_stat_activity WHERE application_name LIKE 'bo_test_twin%'" || true
q -c "SELECT max(id) FROM backorder.events" >"$work/before_twins"
if ! writers B 6; then fail "twins: a writer failed"; fi
wait_for 15 "$unclaimed_is_zero" || fail "twins: events still unclaimed after 15 s"
sleep 0.3
kill -INT "$twin1"; kill -TERM "$twin2"
stop_within 3 "$twin1"; rc1=$rc
stop_within 3 "$twin2"; rc2=$rc
if [ "$rc1" = 0 ] && [ "$rc2" = 0 ]; then
  ok "twins: SIGINT and SIGTERM: both exit 0"
else
  fail "twins: exit statuses $rc1 and $rc2; stderr: $(cat "$work/twin1.err" "$work/twin2.err")"
fi
dump "$work/expected_twins.jsonl" "WHERE id > $(cat "$work/before_twins")"
echo "    twin1 printed $(wc -l <"$work/twin1.out"), twin2 $(wc -l <"$work/twin2.out")"
compare_as "twins: every event exactly once between the two" \
  "$work/expected_twins.jsonl" "$work/twin1.out" "$work/twin2.out"

# 4. --once: exactly what is unclaimed now, then nothing
workload C
dump "$work/expected_once.jsonl" "WHERE claimed_at IS NULL"
rc=0
timeout 20 "$consumer" --once --batch 4 "dbname=$db" >"$work/once1.out" 2>"$work/once1.err" || rc=$?
if [ "$rc" = 0 ]; then ok "once: exit 0"; else fail "once: exit $rc: $(cat "$work/once1.err")"; fi
compare_as "once: every unclaimed event exactly once" "$work/expected_once.jsonl" "$work/once1.out"
rc=0
timeout 20 "$consumer" --once "dbname=$db" >"$work/once2.out" 2>"$work/once2.err" || rc=$?
if [ "$rc" = 0 ] && [ ! -s "$work/once2.out" ]; then
  ok "once again: nothing left, exit 0"
else
  fail "once again: exit $rc, $(wc -l <"$work/once2.out") lines"
fi

# 5. the server kills the consumer's session: it reconnects and goes on
start phoenix --timeout 30 --retries 5 "dbname=$db application_name=bo_test_phoenix"
phoenix=$last_pid
wait_for 10 "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'bo_test_phoenix'" || true
q -c "SELECT max(id) FROM backorder.events" >"$work/before_phoenix"
workload D
wait_for 15 "$unclaimed_is_zero" || fail "phoenix: events unclaimed before the kill"
sleep 0.3
old_backend=$(backend_pid bo_test_phoenix)
q -c "SELECT pg_terminate_backend($old_backend)" >/dev/null
if wait_for 10 "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'bo_test_phoenix'
                  AND pid <> $old_backend"; then
  ok "phoenix: reconnected after pg_terminate_backend"
else
  fail "phoenix: no new session within 10 s; stderr: $(cat "$work/phoenix.err")"
fi
workload E
if wait_for 15 "$unclaimed_is_zero"; then
  ok "phoenix: events after the reconnection claimed within 15 s (LISTENing again)"
else
  fail "phoenix: events unclaimed 15 s after the reconnection"
fi
sleep 0.3
kill -TERM "$phoenix"
stop_within 3 "$phoenix"
if [ "$rc" = 0 ]; then ok "phoenix: exit 0"; else fail "phoenix: exit $rc"; fi
if grep -q 'connection lost' "$work/phoenix.err" && grep -q 'connected again' "$work/phoenix.err"; then
  ok "phoenix: the loss and the reconnection are on stderr"
else
  fail "phoenix: stderr does not tell: $(cat "$work/phoenix.err")"
fi
echo "    phoenix stderr:"; sed 's/^/      /' "$work/phoenix.err"
dump "$work/expected_phoenix.jsonl" "WHERE id > $(cat "$work/before_phoenix")"
compare_as "phoenix: every event exactly once across the reconnection" \
  "$work/expected_phoenix.jsonl" "$work/phoenix.out"

# 6. the database refuses connections after the kill: retries, then exit non-zero
start doomed --timeout 30 --retries 2 "dbname=$db application_name=bo_test_doomed"
doomed=$last_pid
wait_for 10 "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'bo_test_doomed'" || true
doomed_backend=$(backend_pid bo_test_doomed)
psql -X -q -d postgres -c "ALTER DATABASE $db ALLOW_CONNECTIONS false" >/dev/null
psql -X -q -At -d postgres -c "SELECT pg_terminate_backend($doomed_backend)" >/dev/null
stop_within 15 "$doomed"
psql -X -q -d postgres -c "ALTER DATABASE $db ALLOW_CONNECTIONS true" >/dev/null
if [ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -q 'giving up' "$work/doomed.err"; then
  ok "doomed: exit $rc after its retries, with a message"
else
  fail "doomed: exit $rc (124: still running after 15 s); stderr: $(cat "$work/doomed.err")"
fi
echo "    doomed stderr:"; sed 's/^/      /' "$work/doomed.err"

# every consumer run together: the whole outbox exactly once
dump "$work/expected_all.jsonl"
compare_as "all runs: every event in backorder.events exactly once" "$work/expected_all.jsonl" \
  "$work/main.out" "$work/twin1.out" "$work/twin2.out" "$work/once1.out" "$work/once2.out" \
  "$work/phoenix.out" "$work/doomed.out"

if ((${#failures[@]})); then
  echo "consumer: ${#failures[@]} check(s) failed:"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
echo "consumer: all checks passed"
