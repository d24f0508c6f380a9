#!/usr/bin/env bash
# test/scripts/failover.sh: backorder on a pg_auto_failover formation, the
# primary killed under load, nothing acknowledged lost.
#
# Builds its own formation on this machine with pg_autoctl (Debian package
# postgresql-15-auto-failover): a monitor and two data nodes on free local
# ports, in a temporary directory, with the PostgreSQL binaries of
# `pg_config --bindir` (pg_autoctl --pgctl), synchronous replication.  The
# cluster of PGHOST/PGPORT (scripts/run-tests.sh runs this in one) is not
# used.  Everything started here is killed and removed at exit, whatever
# happens (trap).  pg_autoctl refuses to run as root: as root, the formation
# runs as the user postgres.
#
#   bash test/scripts/failover.sh                      # 1 failover (CI)
#   FAILOVER_ROUNDS=3 bash test/scripts/failover.sh    # the full run
#
# The load, through one multi-host connection string
# (host=A,B ... target_session_attrs=read-write, so it always reaches the
# primary of the moment):
#  - 8 clients, each a loop that starts pgbench -c 1 again whenever it ended
#    (pgbench aborts a client whose connection is lost): orders through
#    place_order, receipts, cancellations, and cart holds converted by
#    place_order(order_id, lines, hold_id) when backorder.holds exists.  An
#    order is written to the client's log (\shell, run by pgbench only after
#    the autocommit statement returned, i.e. after COMMIT was acknowledged)
#    with its number of lines, the port of the server that committed it and
#    the time;
#  - examples/consumer claiming events, stdout and stderr into one file (so
#    the order of batches and "connection lost" lines is kept).
#
# Each of FAILOVER_ROUNDS rounds (default 1): the load runs a few seconds,
# then the primary's postmaster is killed with kill -9 together with its
# pg_autoctl supervisor (on one machine pg_autoctl would otherwise just
# restart the postmaster: the whole node has to die, as when a host dies);
# the monitor promotes the secondary; the old node's pg_autoctl is started
# again and the node rejoins as secondary (pg_rewind).  Checked, each a line
# "ok:" or "FAIL:":
#  - before the first kill: synchronous replication is on (the secondary is
#    a sync/quorum standby);
#  - after each failover: every acknowledged order is on the new primary with
#    all its lines; backorder.check() there is empty; the consumer has
#    reconnected by itself to the new primary; the time from the kill to the
#    first order acknowledged by the new primary is printed;
#  - reads on the hot standby (before the first kill and after each rejoin):
#    stock_levels, waiting_orders, lead_times, backorder_stats(),
#    reorder_suggestions(), check() (empty) and channel_stock when it exists
#    run on the read-only secondary;
#  - at the end: every event of backorder.events was printed by the consumer;
#    an event printed twice, or printed and then not on the new primary, is
#    allowed only in the last batch (--batch lines) before a "connection
#    lost": a batch whose claim transaction had not committed when its
#    primary died.  Their number is reported.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=${FAILOVER_ROUNDS:-1}
clients=8
batch=20
bindir=$(pg_config --bindir)
work=$(mktemp -d -t backorder_failover.XXXXXX)
chmod 755 "$work"
failures=()
bg=()			# pids of the client loops and the consumer
groups=()		# process groups of the pg_autoctl services started here

ok()   { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures+=("$*"); }
now_ns() { date +%s%N; }
# the formation's owner (pg_autoctl refuses root) and superuser of its clusters
owner=$(id -un)
[ "$(id -u)" = 0 ] && owner=postgres

# as_pg CMD...: run as the formation's owner, with no PG* variable of the
# outer cluster and pg_autoctl's configuration and state under $work
as_pg_cmd=(env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGDATA -u PGPASSWORD
           HOME="$work" XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"
           XDG_RUNTIME_DIR="$work/run" PATH="$bindir:$PATH" PG_CONFIG="$bindir/pg_config")
[ "$(id -u)" = 0 ] && as_pg_cmd=(runuser -u postgres -- "${as_pg_cmd[@]}")
as_pg() { "${as_pg_cmd[@]}" "$@"; }
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi
as_pg mkdir -p "$work/config" "$work/data" "$work/run"

# free_port: a local TCP port nobody listens on
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && [[ " ${ports[*]:-} " != *" $p "* ]]; then
      echo "$p"; return
    fi
  done
}
ports=()
pm=$(free_port); ports+=("$pm")
p1=$(free_port); ports+=("$p1")
p2=$(free_port); ports+=("$p2")
port_of() { case $1 in node1) echo "$p1" ;; node2) echo "$p2" ;; esac; }

monitor_uri="postgres://autoctl_node@127.0.0.1:$pm/pg_auto_failover?sslmode=disable"
shop="host=127.0.0.1,127.0.0.1 port=$p1,$p2 dbname=shop user=$owner target_session_attrs=read-write connect_timeout=3"

# start_node NAME: `pg_autoctl run` for $work/NAME, in a process group of its own
declare -A group_of
start_node() {
  local name=$1
  # in a subshell, so that the shell does not report the job when it is killed
  ( setsid "${as_pg_cmd[@]}" pg_autoctl run --pgdata "$work/$name" >>"$work/$name.log" 2>&1 </dev/null &
    echo $! >"$work/$name.pgid" )
  group_of[$name]=$(cat "$work/$name.pgid")	# setsid in a background job: its pid is the group's id
  groups+=("${group_of[$name]}")
}

# postmaster_pid NAME: the pid in the node's postmaster.pid, or nothing
postmaster_pid() { head -1 "$work/$1/postmaster.pid" 2>/dev/null || true; }

cleanup() {
  local rc=$? p g name
  touch "$work/stop"
  for p in "${bg[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  for g in "${groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
  sleep 1
  for g in "${groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null || true; done
  for name in node1 node2 monitor; do
    p=$(postmaster_pid "$name")
    [ -n "$p" ] && kill -KILL "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if ((rc != 0)) || [ -n "${FAILOVER_KEEP_LOGS:-}" ]; then
    for f in "$work"/monitor.log "$work"/node1.log "$work"/node2.log; do
      [ -s "$f" ] && { echo "--- last lines of $f"; tail -25 "$f"; }
    done
  fi
  [ -n "${FAILOVER_KEEP_DIR:-}" ] && cp -a "$work" "$FAILOVER_KEEP_DIR" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# mon SQL: a query on the monitor
mon() { psql -X -q -At -h 127.0.0.1 -p "$pm" -U "$owner" -d pg_auto_failover -c "$1"; }
# on PORT SQL...: a query on a data node's shop database
on() { local port=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$owner" -d shop "$@"; }
# states: "node1:primary/primary node2:secondary/secondary" (reported/goal)
states() { mon "SELECT string_agg(nodename || ':' || reportedstate || '/' || goalstate, ' ' ORDER BY nodename) FROM pgautofailover.node" 2>/dev/null || true; }
# node_in STATE: the node whose reported and goal states are STATE
node_in() { mon "SELECT nodename FROM pgautofailover.node WHERE reportedstate = '$1' AND goalstate = '$1'" 2>/dev/null || true; }

# wait_states SECONDS WANT: until states() prints WANT
wait_states() {
  local deadline=$((SECONDS + $1)) want=$2
  while ((SECONDS < deadline)); do
    [ "$(states)" = "$want" ] && return 0
    sleep 0.5
  done
  echo "    states after $1 s: $(states) (wanted $want)"
  return 1
}

echo "failover: $rounds round(s), $clients clients; monitor :$pm, nodes :$p1 :$p2; $bindir"

# ---- the formation --------------------------------------------------------
common=(--pgctl "$bindir/pg_ctl" --hostname 127.0.0.1 --auth trust --no-ssl)
as_pg pg_autoctl create monitor "${common[@]}" --pgdata "$work/monitor" --pgport "$pm" \
  >"$work/create-monitor.log" 2>&1 || { cat "$work/create-monitor.log"; exit 1; }
start_node monitor
for _ in $(seq 1 120); do mon "SELECT 1" >/dev/null 2>&1 && break; sleep 0.5; done
# Failure detection within seconds instead of the default ~30 s (the
# defaults suit real networks; both nodes answer at once on one machine)
mon "ALTER SYSTEM SET pgautofailover.health_check_period = 1000" >/dev/null
mon "ALTER SYSTEM SET pgautofailover.health_check_timeout = 2000" >/dev/null
mon "ALTER SYSTEM SET pgautofailover.health_check_max_retries = 2" >/dev/null
mon "ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 1000" >/dev/null
mon "ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 6000" >/dev/null
# how long the monitor waits for a lost primary to demote itself before it
# promotes the standby: above the keepers' network_partition_timeout (below)
mon "ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 8000" >/dev/null
mon "SELECT pg_reload_conf()" >/dev/null

create_node() {   # create_node NAME PORT
  as_pg pg_autoctl create postgres "${common[@]}" --pgdata "$work/$1" --pgport "$2" \
    --pghost 127.0.0.1 --listen 127.0.0.1 --name "$1" --dbname shop --monitor "$monitor_uri" \
    >"$work/create-$1.log" 2>&1 || { cat "$work/create-$1.log"; exit 1; }
  # a primary that sees neither the monitor nor its standby for 5 s demotes itself
  as_pg pg_autoctl config set --pgdata "$work/$1" timeout.network_partition_timeout 5 >/dev/null
}
t0=$SECONDS
create_node node1 "$p1"
start_node node1
wait_states 120 "node1:single/single" || { fail "node1 did not become single"; exit 1; }
create_node node2 "$p2"
start_node node2
wait_states 180 "node1:primary/primary node2:secondary/secondary" || { fail "formation not ready"; exit 1; }
echo "failover: formation ready in $((SECONDS - t0)) s: $(states)"

on "$p1" -c "CREATE EXTENSION backorder" >/dev/null
# the catalogue: 20 items that always accept orders (allow, no limit), so
# that a place_order the clients sent fails only if the server went away
on "$p1" >/dev/null <<'SQL'
INSERT INTO backorder.items (sku) SELECT 'FO-' || i FROM generate_series(1, 20) i;
INSERT INTO backorder.receipts (sku, quantity, reference)
SELECT 'FO-' || i, 10, 'opening stock' FROM generate_series(1, 20) i;
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
SELECT 'PO-fo-' || i, 'FO-' || i, 500, now() + interval '5 days' FROM generate_series(1, 4) i;
SQL
sync=$(on "$p1" -c "SELECT current_setting('synchronous_standby_names') || ' | ' ||
                           coalesce(string_agg(application_name || ' ' || sync_state, ', '), 'no standby')
                      FROM pg_stat_replication")
if [[ "$sync" != " |"* ]] && on "$p1" -c "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')" | grep -qx 1 &&
   [ "$(on "$p1" -c "SHOW synchronous_commit")" = on ]; then
  ok "synchronous replication: synchronous_standby_names | standby: $sync"
else
  fail "synchronous replication is not on: $sync, synchronous_commit $(on "$p1" -c 'SHOW synchronous_commit')"
fi

# ---- reads on the hot standby ---------------------------------------------
standby_reads() {   # standby_reads PORT WHEN
  local port=$1 when=$2 out channel_stock="SELECT 'channel_stock (not in this version)'"
  [ "$(on "$port" -c "SELECT to_regclass('backorder.channel_stock') IS NOT NULL")" = t ] &&
    channel_stock="SELECT 'channel_stock ' || count(*) FROM backorder.channel_stock"
  if out=$(on "$port" 2>&1 <<SQL
SELECT 'in recovery ' || pg_is_in_recovery() || ', read only ' || current_setting('transaction_read_only');
SELECT 'stock_levels ' || count(*) FROM backorder.stock_levels;
SELECT 'waiting_orders ' || count(*) FROM backorder.waiting_orders;
SELECT 'lead_times ' || count(*) FROM backorder.lead_times;
SELECT 'backorder_stats ' || count(*) FROM backorder.backorder_stats();
SELECT 'reorder_suggestions ' || count(*) FROM backorder.reorder_suggestions();
SELECT 'check ' || count(*) FROM backorder.check();
$channel_stock;
SQL
  ); then
    out=$(printf '%s' "$out" | grep -v '^$' | paste -sd ';' | sed 's/;/; /g')
    if [[ "$out" == "in recovery true, read only on;"* && "$out" == *"check 0"* ]]; then
      ok "standby reads ($when): $out"
    else
      fail "standby reads ($when): $out"
    fi
  else
    fail "standby reads ($when) failed: $out"
  fi
}

# ---- the load -------------------------------------------------------------
# order: 1 to 3 lines, mostly on the 4 hot items; written down after COMMIT
cat >"$work/order.sql" <<'EOF'
\set n random(1, 3)
\set s1 (case when random(1, 100) <= 60 then random(1, 4) else random(5, 20) end)
\set s2 (case when random(1, 100) <= 60 then random(1, 4) else random(5, 20) end)
\set s3 (case when random(1, 100) <= 60 then random(1, 4) else random(5, 20) end)
\set q1 random(1, 3)
\set q2 random(1, 3)
\set q3 random(1, 3)
\set oid random(1, 999999999999)
SELECT count(*) AS placed, inet_server_port() AS port
  FROM backorder.place_order('fo' || :cid || '-' || :oid,
  (SELECT jsonb_agg(jsonb_build_object('line_no', i, 'sku', 'FO-' || (ARRAY[:s1, :s2, :s3])[i],
                                       'quantity', (ARRAY[:q1, :q2, :q3])[i]))
     FROM generate_series(1, :n) i)) \gset
\shell echo :cid :oid :n :port $(date +%s%N) >> :ack
EOF
cat >"$work/receipt.sql" <<'EOF'
\set s (case when random(1, 100) <= 60 then random(1, 4) else random(5, 20) end)
\set q random(1, 8)
INSERT INTO backorder.receipts (sku, quantity, reference) VALUES ('FO-' || :s, :q, 'failover');
EOF
# cancellation: 1 or 2 open units of a line; a racing one can leave fewer (BO004)
cat >"$work/cancel.sql" <<'EOF'
\set s random(1, 20)
\set q random(1, 2)
DO $$
BEGIN
  INSERT INTO backorder.cancellations (order_id, line_no, quantity, reason)
  SELECT l.order_id, l.line_no, LEAST(l.reserved + l.backordered, :q), 'failover'
    FROM backorder.order_lines l
   WHERE l.sku = 'FO-' || :s AND l.reserved + l.backordered > 0
   LIMIT 1;
EXCEPTION WHEN SQLSTATE 'BO004' THEN
  NULL;
END
$$;
EOF
# hold (when backorder.holds exists): a cart holds 1 to 2 units, then checks
# out with place_order(order_id, lines, hold_id): an acknowledged order too
cat >"$work/hold.sql" <<'EOF'
\set s (case when random(1, 100) <= 60 then random(1, 4) else random(5, 20) end)
\set q random(1, 2)
\set oid random(1, 999999999999)
INSERT INTO backorder.holds (hold_id, sku, quantity) VALUES ('cart-' || :cid || '-' || :oid, 'FO-' || :s, :q);
SELECT count(*) AS placed, inet_server_port() AS port FROM backorder.place_order('fo' || :cid || '-' || :oid,
  jsonb_build_array(jsonb_build_object('line_no', 1, 'sku', 'FO-' || :s, 'quantity', :q)),
  'cart-' || :cid || '-' || :oid) \gset
\shell echo :cid :oid 1 :port $(date +%s%N) >> :ack
EOF
scripts=(-f "$work/order.sql@50" -f "$work/receipt.sql@20" -f "$work/cancel.sql@10")
if [ "$(on "$p1" -c "SELECT to_regclass('backorder.holds') IS NOT NULL")" = t ]; then
  scripts+=(-f "$work/hold.sql@15")
  echo "failover: backorder.holds exists: holds in the mix"
fi

# client I: pgbench -c 1 again and again until $work/stop exists; a run ends
# after 5 s, when its connection is lost, or at once when no primary answers
client() {
  local i=$1
  : >"$work/ack.$i"
  while [ ! -e "$work/stop" ]; do
    pgbench -n -c 1 -T 5 "${scripts[@]}" -D cid="$i" -D ack="$work/ack.$i" "$shop" \
      >>"$work/client.$i.log" 2>&1 || sleep 0.3
  done
}
for ((i = 1; i <= clients; i++)); do client "$i" & bg+=($!); done

make -s -C examples PG_CONFIG="$bindir/pg_config" >"$work/make.log" 2>&1 || { cat "$work/make.log"; exit 1; }
examples/consumer --batch "$batch" --timeout 2 --retries 40 "$shop application_name=fo_consumer" \
  >"$work/consumer.log" 2>&1 &
consumer=$!
bg+=("$consumer")

acked() { cat "$work"/ack.* | wc -l; }

# missing_orders PORT: acknowledged orders not on the node (or with other line counts)
missing_orders() {
  cat "$work"/ack.* | awk '{ print "fo" $1 "-" $2 "\t" $3 }' >"$work/acked.tsv"
  on "$1" <<SQL
CREATE TEMP TABLE acked (order_id text, lines int);
\copy acked FROM '$work/acked.tsv'
SELECT count(*) FROM acked a
  LEFT JOIN (SELECT order_id, count(*) AS lines FROM backorder.order_lines
              WHERE order_id LIKE 'fo%' GROUP BY order_id) l USING (order_id)
 WHERE l.order_id IS NULL OR l.lines <> a.lines;
SQL
}

standby_reads "$p2" "secondary node2, before the first failover"
sleep 6
echo "failover: load running: $(acked) orders acknowledged"

# ---- the rounds -----------------------------------------------------------
fail_times=()
first_order_times=()
for round in $(seq 1 "$rounds"); do
  primary=$(node_in primary)
  secondary=$(node_in secondary)
  if [ -z "$primary" ] || [ -z "$secondary" ]; then
    fail "round $round: no primary/secondary pair: $(states)"; break
  fi
  before=$(acked)
  sleep 4
  if (($(acked) <= before)); then
    fail "round $round: no order acknowledged in 4 s before the kill: $(grep -h 'error' "$work"/client.*.log | sort | uniq -c | sort -rn | head -3)"
    break
  fi
  pid=$(postmaster_pid "$primary")
  # the node dies: its supervisor frozen first (else it restarts the postmaster), then kill -9
  kill -STOP -- "-${group_of[$primary]}"
  t_kill=$(now_ns)
  kill -KILL "$pid"
  kill -KILL -- "-${group_of[$primary]}"
  kill -CONT -- "-${group_of[$primary]}" 2>/dev/null || true
  echo "failover: round $round: kill -9 of $primary's postmaster ($pid) and its pg_autoctl; $(acked) orders acknowledged so far"

  # the monitor promotes the secondary
  deadline=$((SECONDS + 120))
  while ((SECONDS < deadline)); do
    s=$(mon "SELECT reportedstate FROM pgautofailover.node WHERE nodename = '$secondary'" 2>/dev/null || true)
    [[ "$s" == wait_primary || "$s" == primary ]] && break
    sleep 0.2
  done
  t_promoted=$(now_ns)
  if [[ "$s" != wait_primary && "$s" != primary ]]; then
    fail "round $round: $secondary not promoted within 120 s: $(states)"; break
  fi
  # the old primary comes back (its pg_autoctl started again): it rejoins as
  # secondary while the checks below run
  start_node "$primary"
  # the first order acknowledged by the new primary after the kill (the
  # client wrote down the server port its place_order ran on)
  new_port=$(port_of "$secondary")
  deadline=$((SECONDS + 60))
  first=""
  while ((SECONDS < deadline)); do
    first=$(cat "$work"/ack.* | awk -v k="$t_kill" -v p="$new_port" '$4 == p && $5 > k { print $5 }' | sort -n | head -1)
    [ -n "$first" ] && break
    sleep 0.2
  done
  if [ -z "$first" ]; then
    fail "round $round: no order acknowledged within 60 s of the promotion"; break
  fi
  ms_promoted=$(( (t_promoted - t_kill) / 1000000 ))
  ms_first=$(( (first - t_kill) / 1000000 ))
  fail_times+=("$ms_promoted"); first_order_times+=("$ms_first")
  echo "failover: round $round: $secondary promoted $ms_promoted ms after the kill;" \
       "first order accepted by it $ms_first ms after the kill"

  m=$(missing_orders "$new_port")
  if [ "$m" = 0 ]; then
    ok "round $round: all $(wc -l <"$work/acked.tsv") acknowledged orders are on the new primary $secondary"
  else
    fail "round $round: $m acknowledged order(s) missing or incomplete on the new primary $secondary"
  fi
  problems=$(on "$new_port" -c "SELECT count(*) FROM backorder.check()")
  if [ "$problems" = 0 ]; then
    ok "round $round: check() clean on the new primary"
  else
    on "$new_port" -c "SELECT * FROM backorder.check() LIMIT 10"
    fail "round $round: check() reports $problems problem(s) on the new primary"
  fi

  # the consumer finds the new primary by itself
  deadline=$((SECONDS + 90))
  while ((SECONDS < deadline)); do
    [ "$(on "$new_port" -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'fo_consumer'" 2>/dev/null)" = 1 ] && break
    sleep 0.5
  done
  if [ "$(on "$new_port" -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'fo_consumer'")" = 1 ]; then
    ok "round $round: the consumer reconnected to the new primary by itself"
  else
    fail "round $round: the consumer is not connected to the new primary after 90 s: $(tail -3 "$work/consumer.log")"
  fi

  if wait_states 240 "$(printf '%s\n' "$primary:secondary/secondary" "$secondary:primary/primary" | sort | paste -sd ' ')"; then
    ok "round $round: $primary rejoined as secondary ($(( ($(now_ns) - t_kill) / 1000000000 )) s after the kill)"
  else
    fail "round $round: $primary did not rejoin as secondary"; break
  fi
  standby_reads "$(port_of "$primary")" "secondary $primary, after failover $round"
done

# ---- the end: stop the load, drain the outbox -----------------------------
touch "$work/stop"
for p in "${bg[@]}"; do [ "$p" = "$consumer" ] || wait "$p" 2>/dev/null || true; done
primary=$(node_in primary)
if [ -z "$primary" ]; then
  fail "end: no primary: $(states)"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
pport=$(port_of "$primary")
deadline=$((SECONDS + 90))
while ((SECONDS < deadline)); do
  [ "$(on "$pport" -c "SELECT count(*) FROM backorder.events WHERE claimed_at IS NULL")" = 0 ] && break
  sleep 0.5
done
sleep 1
kill -TERM "$consumer" 2>/dev/null || true
crc=0; wait "$consumer" || crc=$?
[ "$crc" = 0 ] || fail "consumer exit status $crc"

m=$(missing_orders "$pport")
orders=$(on "$pport" -c "SELECT count(DISTINCT order_id) FROM backorder.order_lines WHERE order_id LIKE 'fo%'")
[ "$m" = 0 ] || fail "end: $m acknowledged order(s) missing on the primary"
problems=$(on "$pport" -c "SELECT count(*) FROM backorder.check()")
[ "$problems" = 0 ] || fail "end: check() reports $problems problem(s)"
# the clients' errors: a lost or refused connection is expected, nothing else
grep -h 'error' "$work"/client.*.log | grep -v -e 'could not create connection' -e 'connection to server' \
  -e 'Run was aborted' -e 'aborted in command [0-9]* (SQL)' -e 'perhaps the backend died' \
  -e 'server closed the connection' -e 'terminating connection' -e 'no connection to the server' \
  -e 'read-only' -e 'shutting down' >"$work/client.errors" || true
aborted=$(cat "$work"/client.*.log | grep -c 'aborted in command [0-9]* (SQL)' || true)
if [ -s "$work/client.errors" ]; then
  fail "clients: errors other than a lost connection: $(sort "$work/client.errors" | uniq -c | sort -rn | head -5)"
fi
echo "failover: acknowledged orders $(wc -l <"$work/acked.tsv"), orders found on the primary $orders" \
     "(the rest: commits whose acknowledgement was lost with the primary), missing $m;" \
     "client runs cut by a lost connection $aborted"

# every event delivered; twice (or not in the table) only in a batch in flight at a lost connection
on "$pport" -c "SELECT id FROM backorder.events ORDER BY id" >"$work/events.ids"
python3 - "$work/events.ids" "$work/consumer.log" "$batch" >"$work/events.report" <<'EOF' || true
import json, sys
ids = [int(l) for l in open(sys.argv[1]) if l.strip()]
batch = int(sys.argv[3])
table = set(ids)
lines = open(sys.argv[2]).read().splitlines()
seen = {}
pending = []        # ids printed since the last "connection lost" (the last batch may be in flight)
in_flight = set()   # ids printed within the last batch before a lost connection
losses = 0
for line in lines:
    if line.startswith("{"):
        e = json.loads(line)
        seen[e["id"]] = seen.get(e["id"], 0) + 1
        pending.append(e["id"])
    elif "connection lost" in line:
        losses += 1
        in_flight.update(pending[-batch:])
        pending = []
missing = sorted(table - set(seen))
twice = sorted(i for i, c in seen.items() if c > 1)
phantom = sorted(set(seen) - table)
bad_twice = [i for i in twice if seen[i] > 2 or i not in in_flight]
bad_phantom = [i for i in phantom if i not in in_flight]
print("events in the table %d, delivered %d (lines %d), delivered twice %d, delivered but not on the new primary %d, missing %d, connections lost %d"
      % (len(table), len(set(seen) & table), sum(seen.values()), len(twice), len(phantom), len(missing), losses))
bad = False
if missing:
    print("MISSING", missing[:30]); bad = True
if bad_twice:
    print("TWICE OUTSIDE AN UNCOMMITTED BATCH", bad_twice[:30]); bad = True
if bad_phantom:
    print("PHANTOM OUTSIDE AN UNCOMMITTED BATCH", bad_phantom[:30]); bad = True
print("BAD" if bad else "GOOD")
EOF
head -1 "$work/events.report" | sed 's/^/failover: /'
if tail -1 "$work/events.report" | grep -qx GOOD; then
  ok "events: every event delivered; repeats only from a claim batch that had not committed when its primary died"
else
  fail "events: $(sed -n '2,$p' "$work/events.report" | paste -sd ' ')"
fi
if grep -q 'connected again' "$work/consumer.log"; then
  echo "failover: consumer stderr:"; grep -v '^{' "$work/consumer.log" | sed 's/^/    /' | tail -20
fi

echo "failover: done in $SECONDS s"
echo "failover: times from kill to promotion (ms): ${fail_times[*]:-none}; to the first accepted order (ms): ${first_order_times[*]:-none}"
if ((${#failures[@]})); then
  echo "failover: ${#failures[@]} check(s) failed:"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
echo "failover: all checks passed"
