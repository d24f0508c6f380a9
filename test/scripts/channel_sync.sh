#!/usr/bin/env bash
# test/scripts/channel_sync.sh: examples/channel_sync against a live shop
# with 3 sales channels.  Runs in the cluster that PGHOST/PGPORT/PGUSER name
# (the extension installed, not created); makes its own database and drops
# it at the end.  Builds examples/channel_sync if needed.
#
#   pg_virtualenv -v 15 bash test/scripts/channel_sync.sh
#
# What it checks, each as one "ok"/"FAIL" line:
#  1. a worker (--full --timeout 30 --others FILE) follows a burst of
#     concurrent orders, receipts, adjustments, cancellations (and cart
#     holds, when backorder.holds exists) on 12 skus: it keeps up within
#     15 s (woken by notifications); the LAST line it printed for every
#     channel and sku equals backorder.channel_stock at the end; its lines
#     have exactly the keys channel, sku, published, orderable;
#  2. every event of another kind was handed on to --others exactly once,
#     as examples/consumer prints it, and no availability_changed event was;
#  3. the newest value wins: a backlog of several events of one sku, claimed
#     in one batch (--once), prints one line per channel for it, with the
#     sku's current values;
#  4. its backend killed, it reconnects, LISTENs again and goes on (the
#     last lines still equal channel_stock); SIGINT / SIGTERM: exit 0.
# Exit status 1 and a list of what failed otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."

db="backorder_channel_sync_$$"
work=$(mktemp -d -t backorder_channel_sync.XXXXXX)
sync=examples/channel_sync
failures=()
started=()

cleanup() {
  local pid
  for pid in "${started[@]}"; do
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  done
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

ok()   { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures+=("$*"); }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

wait_for() {   # wait_for SECONDS SQL: poll until the query returns t
  local deadline=$((SECONDS + $1)) sql=$2
  while ((SECONDS < deadline)); do
    [ "$(q -c "$sql")" = t ] && return 0
    sleep 0.1
  done
  return 1
}

start() {   # start NAME ARGS...: a worker in the background, output in $work/NAME.{out,err}
  local name=$1; shift
  "$sync" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  started+=($!)
  last_pid=$!
}

stop_within() {   # stop_within SECONDS PID: sets rc (124: still running, killed)
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

unclaimed_is_zero="SELECT count(*) = 0 FROM backorder.events WHERE claimed_at IS NULL"

# channel_stock as the worker prints it
stock() {
  q -c "SELECT json_build_object('channel', channel, 'sku', sku, 'published', published,
                                 'orderable', orderable)
          FROM backorder.channel_stock ORDER BY sku, channel" >"$1"
}

cat >"$work/last_lines.py" <<'EOF_PY'
# last_lines.py STOCK OUTPUT...: the last line printed per (channel, sku),
# over the outputs in order, equals channel_stock; every line well formed
import json, sys
stock = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    stock[(r["channel"], r["sku"])] = r
last, problems, n = {}, [], 0
for path in sys.argv[2:]:
    for i, line in enumerate(open(path), 1):
        n += 1
        try:
            r = json.loads(line)
        except ValueError as err:
            problems.append("%s:%d: not JSON: %r" % (path, i, line[:200]))
            continue
        if sorted(r) != ["channel", "orderable", "published", "sku"]:
            problems.append("%s:%d: keys %s" % (path, i, sorted(r)))
            continue
        last[(r["channel"], r["sku"])] = r
for key, want in sorted(stock.items()):
    got = last.get(key)
    if got != want:
        problems.append("%s/%s: last printed %s, channel_stock has %s" % (key[0], key[1], got, want))
for key in sorted(set(last) - set(stock)):
    problems.append("%s/%s printed, not in channel_stock" % key)
for p in problems[:30]:
    print("   ", p)
print("    %d channel/sku rows in channel_stock, %d lines read" % (len(stock), n))
sys.exit(1 if problems or not stock else 0)
EOF_PY

cat >"$work/once_each.py" <<'EOF_PY'
# once_each.py EXPECTED OUTPUT: every expected event exactly once, as written
import json, sys
expected = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    expected[e["id"]] = e
seen, problems = {}, []
for i, line in enumerate(open(sys.argv[2]), 1):
    e = json.loads(line)
    seen[e["id"]] = seen.get(e["id"], 0) + 1
    if e["kind"] == "availability_changed":
        problems.append("line %d: an availability_changed event handed on" % i)
    elif e != expected.get(e["id"]):
        problems.append("line %d: printed %s, table has %s" % (i, e, expected.get(e["id"])))
missing = sorted(set(expected) - set(seen))
twice = sorted(k for k, c in seen.items() if c > 1)
if missing: problems.append("missing ids (%d): %s" % (len(missing), missing[:30]))
if twice: problems.append("ids handed on twice: %s" % twice[:30])
if not expected: problems.append("no events of other kinds: the workload wrote none")
for p in problems[:30]:
    print("   ", p)
print("    %d events of other kinds, %d lines handed on" % (len(expected), sum(seen.values())))
sys.exit(1 if problems else 0)
EOF_PY

echo "channel_sync: database $db"
if ! make -s -C examples channel_sync >"$work/make.log" 2>&1; then
  cat "$work/make.log"; echo "FAIL: make -C examples channel_sync"; exit 1
fi
psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null
q -c "CREATE EXTENSION backorder"
has_holds=$(q -c "SELECT to_regclass('backorder.holds') IS NOT NULL")
q >/dev/null <<'SQL'
INSERT INTO backorder.items (sku, policy, backorder_limit)
SELECT 'S-' || lpad(g::text, 2, '0'), CASE WHEN g % 4 = 0 THEN 'deny' ELSE 'allow' END::backorder.policy,
       CASE WHEN g % 3 = 0 THEN 20 END
  FROM generate_series(1, 12) g;
INSERT INTO backorder.receipts (sku, quantity) SELECT sku, 6 FROM backorder.items;
INSERT INTO backorder.channels (channel, buffer, share, backorders) VALUES
  ('web', 0, 1, true), ('marketplace', 2, 0.5, false), ('outlet', 1, 0.3, true);
SQL

# 1. the worker through a burst of concurrent writers
start main --full --batch 7 --timeout 30 --others "$work/others.jsonl" "dbname=$db application_name=bo_test_sync"
main=$last_pid
if wait_for 10 "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'bo_test_sync'"; then
  ok "main: connected"
else
  fail "main: not connected within 10 s: $(cat "$work/main.err")"
fi

writer() {   # writer W: 20 steps of a shop's day on random skus
  local w=$1 k sku
  for ((k = 1; k <= 20; k++)); do
    sku="S-$(printf %02d $(( (w * 7 + k * 5) % 12 + 1 )))"
    case $((k % 5)) in
      0) q -c "INSERT INTO backorder.receipts (sku, quantity) VALUES ('$sku', $((k % 7 + 2)))" ;;
      1|2) q -c "SELECT count(*) FROM backorder.place_order('w$w-$k', jsonb_build_array(
                   jsonb_build_object('line_no', 1, 'sku', '$sku', 'quantity', $((k % 4 + 2))),
                   jsonb_build_object('line_no', 2, 'sku', 'S-$(printf %02d $(( (w + k) % 12 + 1 )))', 'quantity', 2)))" \
           2>/dev/null || true ;;   # a deny item out of stock refuses (BO001)
      3) q -c "SELECT backorder.cancel_order(order_id) FROM backorder.order_lines
                WHERE order_id LIKE 'w$w-%' AND status IN ('reserved', 'backordered') LIMIT 1" ;;
      4) if [ "$has_holds" = t ]; then
           q -c "INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('cart-$w-$k', '$sku', 2)" \
             2>/dev/null || true
           q -c "SELECT backorder.release_hold('cart-$w-$((k - 4))')" 2>/dev/null || true
         else
           q -c "INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('$sku', 1, 'found')"
         fi ;;
    esac >/dev/null
  done
}
pids=()
for w in 1 2 3 4 5 6; do writer $w & pids+=($!); done
for pid in "${pids[@]}"; do wait "$pid" || fail "a writer failed"; done
# a transaction with several changes of one sku, and one that rolls back
q >/dev/null <<'SQL'
BEGIN;
INSERT INTO backorder.receipts (sku, quantity) VALUES ('S-01', 3);
SELECT count(*) FROM backorder.place_order('multi', '[{"line_no": 1, "sku": "S-01", "quantity": 1}]');
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('S-01', -1, 'damaged');
COMMIT;
BEGIN;
INSERT INTO backorder.receipts (sku, quantity) VALUES ('S-02', 50);
ROLLBACK;
SQL
if wait_for 15 "$unclaimed_is_zero"; then
  ok "main: every event claimed within 15 s (woken by notifications; its timeout is 30 s)"
else
  fail "main: $(q -c "SELECT count(*) FROM backorder.events WHERE claimed_at IS NULL") events unclaimed after 15 s"
fi
q -c "SELECT '    events: ' || string_agg(kind || ' ' || n, ', ' ORDER BY kind)
        FROM (SELECT kind, count(*) n FROM backorder.events GROUP BY kind) k"
[ "$has_holds" = t ] && q -c "SELECT '    holds: ' || count(*) FROM backorder.holds"
stock "$work/stock1.jsonl"
if python3 "$work/last_lines.py" "$work/stock1.jsonl" "$work/main.out"; then
  ok "main: the last line per channel and sku equals channel_stock"
else
  fail "main: the last lines differ from channel_stock"
fi
q -c "SELECT json_build_object('id', id, 'at', at::text, 'kind', kind, 'order_id', order_id,
               'line_no', line_no, 'sku', sku, 'quantity', quantity,
               'expected_at', expected_at::text, 'detail', detail)
        FROM backorder.events WHERE kind <> 'availability_changed' ORDER BY id" >"$work/others_expected.jsonl"
if python3 "$work/once_each.py" "$work/others_expected.jsonl" "$work/others.jsonl"; then
  ok "others: every event of another kind handed on exactly once, as examples/consumer prints it"
else
  fail "others: events of other kinds lost, repeated or altered"
fi

# 4. the backend killed: reconnect, LISTEN again, go on
old_backend=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'bo_test_sync'")
q -c "SELECT pg_terminate_backend($old_backend)" >/dev/null
if wait_for 10 "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'bo_test_sync'
                  AND pid <> $old_backend"; then
  ok "reconnect: a new session after pg_terminate_backend"
else
  fail "reconnect: no new session within 10 s; stderr: $(cat "$work/main.err")"
fi
pids=()
for w in 7 8 9; do writer $w & pids+=($!); done
for pid in "${pids[@]}"; do wait "$pid" || fail "a writer failed"; done
if wait_for 15 "$unclaimed_is_zero"; then
  ok "reconnect: events after the reconnection claimed within 15 s"
else
  fail "reconnect: events unclaimed 15 s after the reconnection"
fi
stock "$work/stock2.jsonl"
if python3 "$work/last_lines.py" "$work/stock2.jsonl" "$work/main.out"; then
  ok "reconnect: the last lines still equal channel_stock"
else
  fail "reconnect: the last lines differ from channel_stock"
fi
sleep 0.3
kill -TERM "$main"
stop_within 3 "$main"
if [ "$rc" = 0 ]; then ok "main: SIGTERM: exit 0"; else fail "main: SIGTERM: exit $rc"; fi
grep -q 'connected again' "$work/main.err" && ok "reconnect: said on stderr" \
  || fail "reconnect: stderr does not tell: $(cat "$work/main.err")"

# 3. the newest value wins: a backlog of 3 events of S-03, one batch
q >/dev/null <<'SQL'
INSERT INTO backorder.receipts (sku, quantity) VALUES ('S-03', 4);
INSERT INTO backorder.receipts (sku, quantity) VALUES ('S-03', 6);
SELECT count(*) FROM backorder.place_order('late', '[{"line_no": 1, "sku": "S-03", "quantity": 1}]');
SQL
n_events=$(q -c "SELECT count(*) FROM backorder.events WHERE claimed_at IS NULL AND sku = 'S-03'
                   AND kind = 'availability_changed'")
rc=0
timeout 20 "$sync" --once --batch 100 --others "$work/others_once.jsonl" "dbname=$db" \
  >"$work/once.out" 2>"$work/once.err" || rc=$?
q -c "SELECT json_build_object('channel', channel, 'sku', sku, 'published', published, 'orderable', orderable)
        FROM backorder.channel_stock WHERE sku = 'S-03' ORDER BY sku, channel" >"$work/once_expected.jsonl"
same_json() {   # same_json A B: the same JSON lines, in the same order
  python3 -c '
import json, sys
a, b = ([json.loads(l) for l in open(p)] for p in sys.argv[1:3])
sys.exit(0 if a == b and a else 1)' "$1" "$2"
}
if [ "$rc" = 0 ] && [ "$n_events" = 3 ] && same_json "$work/once_expected.jsonl" "$work/once.out"; then
  ok "newest wins: 3 events of S-03 in one batch: one line per channel, the current values"
else
  fail "newest wins: exit $rc, $n_events events; printed: $(cat "$work/once.out"); expected: $(cat "$work/once_expected.jsonl")"
fi

# SIGINT while waiting
start idle --timeout 30 "dbname=$db application_name=bo_test_idle"
idle=$last_pid
wait_for 10 "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'bo_test_idle'" || true
sleep 0.3
kill -INT "$idle"
stop_within 3 "$idle"
if [ "$rc" = 0 ] && [ ! -s "$work/idle.out" ]; then
  ok "idle: nothing to print; SIGINT while waiting: exit 0"
else
  fail "idle: exit $rc, $(wc -l <"$work/idle.out") lines"
fi
q -c "SELECT count(*) = 0 FROM backorder.check()" | grep -q t && ok "check(): clean" || fail "check(): $(q -c 'SELECT * FROM backorder.check()')"

if ((${#failures[@]})); then
  echo "channel_sync: ${#failures[@]} check(s) failed:"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
echo "channel_sync: all checks passed"
