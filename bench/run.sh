#!/usr/bin/env bash
# bench/run.sh: the backorder benchmark.  Builds and installs the extension
# (from a scratch copy of the tree, so a build of someone else's in the same
# working tree is not disturbed), starts one throwaway PostgreSQL 15 cluster
# (pg_virtualenv -t), and measures these implementations of the same work,
# each in its own database:
#   bare       the minimal SQL without backorder features (bench/bare.sql)
#   bare_nofk  the same without foreign keys or CHECKs (bench/bare_nofk.sql)
#   plpgsql    a careful PL/pgSQL trigger implementation (bench/plpgsql.sql)
#   ext        CREATE EXTENSION backorder
# and the views and analytics (bench_views, bench/views_load.sql: 2,000
# items, 200,000 waiting rows, half promised, 200,000 filled) against
# hand-written grouped SQL of the same figures (bench/views/ref_*.sql,
# reported in the plpgsql column).
# and, for the sales channels' feed (1.1), one more database:
#   ext_channels  the extension with 3 channels (every placement then writes
#            an availability_changed event at commit), in-stock items only;
#            measured as "ext" in its own scenario, beside a bare run
# Runs are interleaved (bare plpgsql ext, bare plpgsql ext, ...), medians
# are reported, with the ratios ext/bare and ext/plpgsql, as a markdown
# table printed and saved with the machine's description.
#
# Usage: bench/run.sh [--quick] [--worktree] [--out FILE]
#   The extension is built from the last commit (HEAD), or with --worktree
#   from the files of the working tree as they are; bench_ext then runs that
#   build's library even if another build is installed meanwhile.
#   (default)  5 rounds, 8 s placement runs, about 12 minutes on 2 cores;
#              writes bench/RESULTS.md
#   --quick    3 rounds, 2 s placement runs, about 2.5 minutes; writes
#              bench/RESULTS.quick.md (the CI smoke test: it fails only if
#              something fails to run or the implementations disagree)
# Missed targets never make it fail.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")

if [[ "${1:-}" != --inner ]]; then
    MODE=full
    OUT=""
    SOURCE=head
    while (($#)); do
        case "$1" in
            --quick) MODE=quick ;;
            --worktree) SOURCE=worktree ;;
            --out) OUT=$2; shift ;;
            -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
            *) echo "bench/run.sh: unknown argument: $1" >&2; exit 2 ;;
        esac
        shift
    done
    [[ -n "$OUT" ]] || { [[ $MODE == quick ]] && OUT=$BENCH_DIR/RESULTS.quick.md || OUT=$BENCH_DIR/RESULTS.md; }
    [[ "$OUT" == /* ]] || OUT=$PWD/$OUT

    echo "== building and installing the extension"
    # What is measured: the last commit (HEAD), so that half-done edits of
    # others in the shared working tree are not; --worktree takes the files
    # as they are instead.
    BUILD=$(mktemp -d /tmp/backorder-bench-build.XXXXXX)
    trap 'rm -rf "$BUILD"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    BENCH_ENGINE=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [[ $SOURCE == head ]] && git -C "$ROOT" rev-parse -q --verify HEAD >/dev/null 2>&1; then
        git -C "$ROOT" archive HEAD | tar -x -C "$BUILD"
    else
        tar -C "$ROOT" --exclude=.git --exclude='*.o' --exclude='*.bc' --exclude='*.so' -cf - . \
            | tar -x -C "$BUILD"
        if [[ -n "$(git -C "$ROOT" status --porcelain -- src sql Makefile backorder.control 2>/dev/null)" ]]; then
            BENCH_ENGINE="$BENCH_ENGINE plus the uncommitted changes in the working tree"
        fi
    fi
    export BENCH_ENGINE
    make -s -C "$BUILD" -j2 >/dev/null
    make -s -C "$BUILD" install >/dev/null
    # Others install their builds into the same server directories while we
    # run: bench_ext is pointed at this build's library (see setup below)
    chmod 755 "$BUILD"
    export BENCH_BUILD=$BUILD

    # a cluster of our own, whatever cluster the caller may be inside
    unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSERVICE PGSYSCONFDIR PG_CLUSTER_CONF_ROOT
    pg_virtualenv -t -v 15 \
        -o synchronous_commit=off -o shared_buffers=256MB -o autovacuum=off \
        -o max_connections=50 \
        "$0" --inner "$MODE" "$OUT"
    exit $?
fi

# ---- inside the cluster ------------------------------------------------
MODE=$2
OUT=$3
if [[ $MODE == quick ]]; then
    # the smoke test: every path once a round, E2K standing for both ETA cases
    ROUNDS=3 PLACE_SECS=2 RECEIPTS=10 RECEIPT_REPS=1 WAIT_QUERIES=3
    PO_RECEIPTS=5 PO_REPS=1
    ETA_RUNS="E2K:2"
else
    ROUNDS=5 PLACE_SECS=${PLACE_SECS:-8} RECEIPTS=20 RECEIPT_REPS=3 WAIT_QUERIES=10
    PO_RECEIPTS=10 PO_REPS=1    # plpgsql takes seconds per receipt at 50,000
    ETA_RUNS="E20K:3 E2K:10"    # SKU:moves per run
fi
# the views scenario: each query once per round and implementation (the
# cheap ones 10 times)
VIEW_QUERIES=(stock_levels waiting_one waiting_all lead_times backorder_stats reorder_suggestions check)
CLIENTS=4
THREADS=2
IMPLS=(bare bare_nofk plpgsql ext)
DBS=(bare bare_nofk plpgsql ext ext_channels)     # every database set up
WORK=$(mktemp -d /tmp/backorder-bench.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
RESULTS=$WORK/results.tsv
: >"$RESULTS"
START=$(date +%s)

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
log() { printf '%s [%4ds] %s\n' "$(date +%T)" $(($(date +%s) - START)) "$*"; }

setup() {
    local impl=$1
    psql_q -c "CREATE DATABASE bench_$impl" postgres
    case $impl in
        bare) psql_q -d bench_bare -f "$BENCH_DIR/bare.sql" ;;
        bare_nofk) psql_q -d bench_bare_nofk -f "$BENCH_DIR/bare_nofk.sql" ;;
        plpgsql) psql_q -d bench_plpgsql -f "$BENCH_DIR/plpgsql.sql" ;;
        ext|ext_channels)
            # our install script (reinstalled right before, in case another
            # build was installed since), and our library for the whole run,
            # whatever is installed in $libdir meanwhile
            flock "$BENCH_BUILD/.install.lock" make -s -C "$BENCH_BUILD" install >/dev/null
            psql_q -d "bench_$impl" -c 'CREATE EXTENSION backorder'
            psql_q -d "bench_$impl" -c "UPDATE pg_catalog.pg_proc SET probin = '$BENCH_BUILD/backorder.so'
                                     WHERE probin = '\$libdir/backorder'"
            [[ $(psql_q -d "bench_$impl" -At -c "SELECT count(*) FROM pg_catalog.pg_proc
                                              WHERE probin = '$BENCH_BUILD/backorder.so'") -gt 0 ]]
            ;;
    esac
    # load.sql writes items as a 1.0 dump would (no held column, triggers
    # off): held takes its starting value 0, as a restore gives it
    [[ $impl == ext* ]] && psql_q -d "bench_$impl" -c 'ALTER TABLE backorder.items ALTER COLUMN held SET DEFAULT 0'
    if [[ $impl == ext_channels ]]; then
        # the in-stock items alone (as bare has them), then 3 channels
        psql_q -d "bench_$impl" -v impl=bare -f "$BENCH_DIR/load.sql" >/dev/null
        psql_q -d "bench_$impl" -c "INSERT INTO backorder.channels (channel, buffer, share) VALUES
                                      ('web', 0, 1), ('marketplace', 2, 0.5), ('outlet', 5, 0.2)"
    else
        psql_q -d "bench_$impl" -v impl="$impl" -f "$BENCH_DIR/load.sql" >/dev/null
    fi
    [[ $impl == ext* ]] && psql_q -d "bench_$impl" -c 'ALTER TABLE backorder.items ALTER COLUMN held DROP DEFAULT'
    psql_q -d "bench_$impl" -c 'VACUUM (ANALYZE)'
}

setup_views() {
    psql_q -c "CREATE DATABASE bench_views" postgres
    psql_q -d bench_views -c 'CREATE EXTENSION backorder'
    psql_q -d bench_views -c "UPDATE pg_catalog.pg_proc SET probin = '$BENCH_BUILD/backorder.so'
                               WHERE probin = '\$libdir/backorder'"
    psql_q -d bench_views -f "$BENCH_DIR/views_load.sql" >/dev/null
}

echo "== setting up bench_bare, bench_bare_nofk, bench_plpgsql, bench_ext, bench_ext_channels, bench_views (side by side)"
pids=()
for impl in "${DBS[@]}"; do setup "$impl" & pids+=($!); done
setup_views & pids+=($!)
for pid in "${pids[@]}"; do wait "$pid" || { echo "bench/run.sh: setup failed" >&2; exit 1; }; done
log "setup done"

# run_pgbench NAME IMPL ROUND SCRIPT KIND ARGS...: run pgbench, keep its
# output, record the number: tps (KIND=tps) or average latency in ms (lat).
# It runs in database bench_IMPL, or in $BENCH_DB when that is set.
run_pgbench() {
    run_pgbench_db "${BENCH_DB:-bench_$2}" "$@"
}
# run_pgbench_db DB NAME IMPL ROUND SCRIPT KIND ARGS...: the same in database DB
run_pgbench_db() {
    local db=$1 name=$2 impl=$3 round=$4 script=$5 kind=$6
    shift 6
    local out=$WORK/$name.$impl.$round.out value
    if ! pgbench -n -M prepared "$@" -f "$BENCH_DIR/$script" "$db" >"$out" 2>&1; then
        echo "pgbench failed: $name $impl round $round" >&2
        cat "$out" >&2
        exit 1
    fi
    if grep -q -E 'aborted|number of failed transactions: [1-9]' "$out"; then
        echo "pgbench had failures: $name $impl round $round" >&2
        cat "$out" >&2
        exit 1
    fi
    case $kind in
        tps) value=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$out") ;;
        lat) value=$(sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' "$out") ;;
    esac
    [[ -n "$value" ]] || { echo "no $kind in pgbench output: $out" >&2; cat "$out" >&2; exit 1; }
    printf '%s\t%s\t%s\t%s\n' "$name" "$impl" "$round" "$value" >>"$RESULTS"
    log "$name $impl round $round: $value $kind"
}

# The receipt queues are topped up to their size after every run, so each
# receipt run sees 10,000 (200,000) waiting rows, less what it fills itself.
topup() {
    local impl=$1 sku=$2 size=$3
    psql_q -d "bench_$impl" -At >/dev/null <<EOF
SET session_replication_role = replica;
SELECT public.bench_queue('$sku', ($size - count(*))::int)
  FROM backorder.backorders WHERE sku = '$sku' AND status = 'waiting'
HAVING count(*) < $size;
EOF
}

echo "== warm-up"
for impl in "${DBS[@]}"; do
    script=place.sql
    [[ $impl == bare* ]] && script=place_bare.sql
    pgbench -n -M prepared -c $CLIENTS -j $THREADS -T 1 -f "$BENCH_DIR/$script" "bench_$impl" >/dev/null 2>&1
done

for ((round = 1; round <= ROUNDS; round++)); do
    echo "== round $round of $ROUNDS"
    for impl in "${DBS[@]}"; do psql_q -d "bench_$impl" -c 'VACUUM (ANALYZE)'; done
    psql_q -d postgres -c CHECKPOINT

    for impl in "${IMPLS[@]}"; do
        s=place.sql; [[ $impl == bare* ]] && s=place_bare.sql
        run_pgbench place_in_stock "$impl" $round $s tps -c $CLIENTS -j $THREADS -T $PLACE_SECS
    done
    # the same with 3 sales channels: every placement also writes its
    # availability_changed event at commit (ext measured in bench_ext_channels)
    # (and beside the floor that does the feed's work: bare writing the event
    # and sending NOTIFY in its one statement; ext's run counts for both rows)
    run_pgbench place_in_stock_channels bare $round place_bare.sql tps -c $CLIENTS -j $THREADS -T $PLACE_SECS
    run_pgbench place_in_stock_feed bare $round place_bare_feed.sql tps -c $CLIENTS -j $THREADS -T $PLACE_SECS
    BENCH_DB=bench_ext_channels \
        run_pgbench place_in_stock_channels ext $round place.sql tps -c $CLIENTS -j $THREADS -T $PLACE_SECS
    tail -n 1 "$RESULTS" | sed 's/^place_in_stock_channels/place_in_stock_feed/' >>"$RESULTS"
    for impl in "${IMPLS[@]}"; do
        s=place_hot.sql; [[ $impl == bare* ]] && s=place_bare_hot.sql
        run_pgbench place_hot_sku "$impl" $round $s tps -c $CLIENTS -j $THREADS -T $PLACE_SECS
    done
    for impl in "${IMPLS[@]}"; do
        s=place_short.sql; [[ $impl == bare* ]] && s=place_bare_short.sql
        run_pgbench place_backordered "$impl" $round $s tps -c $CLIENTS -j $THREADS -T $PLACE_SECS
    done
    # beside the floor that writes the backordered event and sends NOTIFY as
    # SPEC requires (bare, one statement); ext's run above counts for both rows
    run_pgbench place_backordered_event bare $round place_bare_short_event.sql tps -c $CLIENTS -j $THREADS -T $PLACE_SECS
    grep -P "^place_backordered\text\t$round\t" "$RESULTS" | sed 's/^place_backordered/place_backordered_event/' >>"$RESULTS"
    for impl in plpgsql ext; do
        run_pgbench place_long_queue "$impl" $round place_long.sql tps -c $CLIENTS -j $THREADS -T $PLACE_SECS
    done
    # receipt runs are short: RECEIPT_REPS of them per round, each a sample
    for size in 10K 200K; do
        for ((rep = 1; rep <= RECEIPT_REPS; rep++)); do
            for impl in plpgsql ext; do
                run_pgbench receipt_fill_$size "$impl" $round.$rep receive.sql lat -c 1 -t $RECEIPTS -D sku=F$size
                topup "$impl" F$size "${size%K}000"
            done
        done
    done
    # receipts naming the purchase order that covers the whole queue
    for size in 10K 50K; do
        for ((rep = 1; rep <= PO_REPS; rep++)); do
            for impl in plpgsql ext; do
                run_pgbench receipt_po_$size "$impl" $round.$rep receive_po.sql lat -c 1 -t $PO_RECEIPTS -D sku=P$size
                topup "$impl" P$size "${size%K}000"
                # the rows appended are promised by the purchase order again
                psql_q -d "bench_$impl" -c "UPDATE backorder.purchase_orders SET quantity = quantity + 1
                                             WHERE purchase_order_id = 'PO-P' AND sku = 'P$size'"
            done
        done
    done
    for run in $ETA_RUNS; do
        for impl in plpgsql ext; do
            run_pgbench eta_move_${run%:*} "$impl" $round eta_move.sql lat -c 1 -t ${run#*:} -D sku=${run%:*}
        done
    done
    for impl in plpgsql ext; do
        run_pgbench waiting_orders "$impl" $round waiting.sql lat -c 1 -t $WAIT_QUERIES -D sku=W20K
    done
    # views: the hand-written reference (reported as plpgsql) and the extension's
    psql_q -d bench_views -c 'VACUUM (ANALYZE)'
    for q in "${VIEW_QUERIES[@]}"; do
        for impl in plpgsql ext; do
            f=views/ref_$q.sql; [[ $impl == ext ]] && f=views/ext_$q.sql
            # the cheap queries run 10 times, so that a new connection's
            # catalog loading (tens of ms for a view's first use) is not
            # what is measured
            n=1; [[ $q == stock_levels || $q == waiting_one ]] && n=10
            run_pgbench_db bench_views view_$q "$impl" $round "$f" lat -c 1 -t $n
        done
    done
done

echo "== consistency"
psql_q -d bench_ext -At -c 'SELECT count(*) FROM backorder.check()' >"$WORK/ext_check" &
check_pid=$!
PLPGSQL_PROBLEMS=$(psql_q -d bench_plpgsql -At <<'EOF'
SELECT (SELECT count(*) FROM backorder.items i
         WHERE i.backordered <> (SELECT COALESCE(sum(b.quantity - b.filled - b.cancelled), 0)
                                   FROM backorder.backorders b
                                  WHERE b.sku = i.sku AND b.status = 'waiting')
            OR i.reserved <> (SELECT COALESCE(sum(l.reserved), 0) FROM backorder.order_lines l
                               WHERE l.sku = i.sku)
            OR (i.on_hand > i.reserved AND i.backordered > 0))
     + (SELECT count(*) FROM backorder.order_lines l
         WHERE l.backordered <> (SELECT COALESCE(sum(b.quantity - b.filled - b.cancelled), 0)
                                   FROM backorder.backorders b
                                  WHERE b.order_id = l.order_id AND b.line_no = l.line_no
                                    AND b.status = 'waiting'));
EOF
)
# Both implementations must have done the same work: the same promises
# and eta_changed events for the ETA SKUs, the same units allocated by the
# receipts (each run does the same number of them).
ETA_DIFF=$(for impl in plpgsql ext; do
    psql_q -d "bench_$impl" -At <<'EOF'
SELECT 'promised', sku, count(*), count(expected_at), max(expected_at)
  FROM backorder.backorders WHERE sku IN ('E20K', 'E2K') AND status = 'waiting' GROUP BY sku;
SELECT 'events', sku, kind, count(*), sum(quantity)
  FROM backorder.events WHERE sku IN ('E20K', 'E2K', 'F10K', 'F200K', 'P10K', 'P50K') GROUP BY sku, kind;
SELECT 'promised', sku, count(*), count(expected_at), max(expected_at)
  FROM backorder.backorders WHERE sku IN ('P10K', 'P50K') AND status = 'waiting' GROUP BY sku;
SELECT 'receipts', sku, count(*), sum(allocated) FROM backorder.receipts WHERE sku LIKE 'F%' OR sku LIKE 'P%' GROUP BY sku;
EOF
done | sort | uniq -u | wc -l)
wait $check_pid
EXT_PROBLEMS=$(cat "$WORK/ext_check")
VIEWS_PROBLEMS=$(psql_q -d bench_views -At -c 'SELECT count(*) FROM backorder.check()')
EXT_PROBLEMS=$((EXT_PROBLEMS + VIEWS_PROBLEMS))

# The comparison is fair only while bare.sql and plpgsql.sql keep the
# extension's indexes and constraints on the tables they share with it.
schema_of() {   # schema_of DB TABLE...: its indexes and CHECK constraints, names left out
    psql_q -d "$1" -At -v tables="{$(IFS=,; echo "${*:2}")}" <<'EOF'
SELECT c.relname, regexp_replace(pg_get_indexdef(i.indexrelid), '^CREATE (UNIQUE )?INDEX \S+ ON ', '\1INDEX ON ')
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace = 'backorder'::regnamespace AND c.relname = ANY (:'tables'::text[])
UNION ALL
SELECT c.relname, regexp_replace(pg_get_constraintdef(k.oid), 'OPERATOR\(pg_catalog\.(\S+?)\)', '\1', 'g')
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
 WHERE c.relnamespace = 'backorder'::regnamespace AND c.relname = ANY (:'tables'::text[]) AND k.contype = 'c';
EOF
}
SCHEMA_DRIFT=""
# (plpgsql keeps the 1.0 design of the queue and the outbox, with
# backorders_promised_idx and events_claimed_idx, which its code uses:
# those two tables are compared for bare only.)
for impl in bare plpgsql; do
    if [[ $impl == bare ]]; then tables=(items order_lines backorders); else
        tables=(items purchase_orders order_lines receipts); fi
    d=$(diff <(schema_of "bench_$impl" "${tables[@]}" | sort) <(schema_of bench_ext "${tables[@]}" | sort) \
        | grep '^[<>]' | sed "s/^</  $impl only:/; s/^>/  ext only:/" || true)
    [[ -z "$d" ]] || SCHEMA_DRIFT+="$d"$'\n'
done
[[ -z "$SCHEMA_DRIFT" ]] || { echo "warning: the schemas differ from the extension's:"; echo "$SCHEMA_DRIFT"; }
log "ext check(): $EXT_PROBLEMS problems; plpgsql consistency: $PLPGSQL_PROBLEMS problems; promised-date mismatches: $ETA_DIFF"

echo "== results"
PGVERSION=$(psql_q -d postgres -At -c "SELECT split_part(version(), ' on ', 1)")
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
MEM=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
ELAPSED=$(($(date +%s) - START))

psql_q -d postgres -At >"$WORK/table.md" <<EOF
CREATE TEMP TABLE r (scenario text, impl text, round text, value float8);
\copy r FROM '$RESULTS'
CREATE TEMP TABLE m AS
SELECT scenario, impl, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS med, count(*) AS n
  FROM r GROUP BY scenario, impl;
-- per scenario: how a number is shown, and "speed" of an implementation
-- (higher is better: tps, or 1 / time)
CREATE TEMP TABLE s (ord numeric, scenario text, label text, unit text, per float8, higher_is_better bool);
INSERT INTO s VALUES
 (1, 'place_in_stock', 'place in stock, random SKUs of 10,000, no sales channel ($CLIENTS clients)', 'TPS', 1, true),
 (1.5, 'place_in_stock_channels', 'place in stock, random SKUs of 10,000, 3 sales channels: ext writes availability_changed ($CLIENTS clients)', 'TPS', 1, true),
 (1.6, 'place_in_stock_feed', 'the same 3 sales channels against the floor that does the feed''s work (bare: the event row and NOTIFY in its one statement)', 'TPS', 1, true),
 (2, 'place_hot_sku', 'place, one hot SKU ($CLIENTS clients)', 'TPS', 1, true),
 (3, 'place_backordered', 'place, every line backordered ($CLIENTS clients)', 'TPS', 1, true),
 (3.1, 'place_backordered_event', 'every line backordered, against the floor that also writes the backordered event and sends NOTIFY (bare, one statement)', 'TPS', 1, true),
 (3.5, 'place_long_queue', 'place, backordered behind 20,000 waiting on one SKU ($CLIENTS clients; no target)', 'TPS', 1, true),
 (4, 'receipt_fill_10K', 'receipt fill, 10,000 waiting (100 per receipt)', 'µs per filled backorder', 10, false),
 (5, 'receipt_fill_200K', 'receipt fill, 200,000 waiting (100 per receipt)', 'µs per filled backorder', 10, false),
 (6, 'eta_move_E20K', 'ETA recompute, 20,000 waiting, PO covers all (20,000 change)', 'ms per PO move', 1, false),
 (7, 'eta_move_E2K', 'ETA recompute, 20,000 waiting, PO covers 2,000 (2,000 change)', 'ms per PO move', 1, false),
 (8, 'waiting_orders', 'waiting_orders for one SKU with 20,000 rows', 'ms per query', 1, false),
 (4.5, 'receipt_po_10K', 'receipt naming the PO that covers the queue, 10,000 waiting (100 per receipt)', 'µs per filled backorder', 10, false),
 (5.5, 'receipt_po_50K', 'receipt naming the PO that covers the queue, 50,000 waiting (100 per receipt)', 'µs per filled backorder', 10, false),
 (9.1, 'view_stock_levels', 'views (2,000 items, 200,000 waiting, 200,000 filled): stock_levels', 'ms per query', 1, false),
 (9.2, 'view_waiting_one', 'views: waiting_orders, one SKU (100 rows)', 'ms per query', 1, false),
 (9.3, 'view_waiting_all', 'views: waiting_orders, all (200,000 rows)', 'ms per query', 1, false),
 (9.4, 'view_lead_times', 'views: lead_times', 'ms per query', 1, false),
 (9.5, 'view_backorder_stats', 'views: backorder_stats()', 'ms per query', 1, false),
 (9.6, 'view_reorder_suggestions', 'views: reorder_suggestions()', 'ms per query', 1, false),
 (9.7, 'view_check', 'views: check()', 'ms per query', 1, false);
CREATE TEMP TABLE v AS
SELECT s.ord, s.label, s.unit, s.higher_is_better,
       (SELECT med * s.per FROM m WHERE m.scenario = s.scenario AND impl = 'bare') AS bare,
       (SELECT med * s.per FROM m WHERE m.scenario = s.scenario AND impl = 'bare_nofk') AS bare_nofk,
       (SELECT med * s.per FROM m WHERE m.scenario = s.scenario AND impl = 'plpgsql') AS plpgsql,
       (SELECT med * s.per FROM m WHERE m.scenario = s.scenario AND impl = 'ext') AS ext
  FROM s;
CREATE TEMP TABLE t AS
SELECT v.*,
       CASE WHEN higher_is_better THEN ext / bare ELSE bare / ext END AS vs_bare,
       CASE WHEN higher_is_better THEN ext / bare_nofk ELSE bare_nofk / ext END AS vs_bare_nofk,
       CASE WHEN higher_is_better THEN ext / plpgsql ELSE plpgsql / ext END AS vs_plpgsql
  FROM v;
CREATE FUNCTION pg_temp.f(x float8) RETURNS text LANGUAGE sql AS
\$\$ SELECT CASE WHEN x IS NULL THEN '–' WHEN x >= 100 THEN round(x::numeric, 0)::text
                 ELSE round(x::numeric, 1)::text END \$\$;
CREATE FUNCTION pg_temp.x(x float8) RETURNS text LANGUAGE sql AS
\$\$ SELECT CASE WHEN x IS NULL THEN '–' ELSE round(x::numeric, 2)::text || '×' END \$\$;
CREATE FUNCTION pg_temp.ok(b bool) RETURNS text LANGUAGE sql AS
\$\$ SELECT CASE WHEN b THEN 'met' WHEN NOT b THEN '**missed**' ELSE 'not run' END \$\$;
\pset format unaligned
\pset tuples_only on
SELECT '| scenario | unit | bare | bare_nofk | plpgsql (views: hand-written SQL) | ext | ext/bare | ext/bare_nofk | ext/plpgsql |';
SELECT '|---|---|--:|--:|--:|--:|--:|--:|--:|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s |', label, unit, pg_temp.f(bare), pg_temp.f(bare_nofk),
              pg_temp.f(plpgsql), pg_temp.f(ext), pg_temp.x(vs_bare), pg_temp.x(vs_bare_nofk), pg_temp.x(vs_plpgsql))
  FROM t ORDER BY ord;
SELECT '';
SELECT 'Ratios are speeds: ext TPS / other TPS, or other time / ext time; above 1× the extension is faster.';
SELECT '';
SELECT '| target | measured | result |';
SELECT '|---|---|---|';
SELECT format('| %s | %s | %s |', target, measured, CASE WHEN o IN (1.6, 14.5, 15.5, 16.5, 16.6) THEN 'the bound (no target)' ELSE pg_temp.ok(ok) END) FROM (
  SELECT 1 AS o, 'place in stock, no sales channel: ext ≥ 1.0× bare' AS target, pg_temp.x(vs_bare) AS measured, vs_bare >= 1.0 AS ok FROM t WHERE ord = 1
  UNION ALL SELECT 1.5, 'place in stock, 3 sales channels: ext ≥ 0.8× bare', pg_temp.x(vs_bare), vs_bare >= 0.8 FROM t WHERE ord = 1.5
  UNION ALL SELECT 1.6, 'place in stock, 3 sales channels, against the floor that writes the same event and NOTIFY (no target; the bound of the one above)', pg_temp.x(vs_bare), NULL FROM t WHERE ord = 1.6
  UNION ALL SELECT 2, 'place in stock, no sales channel: ext ≥ 2× plpgsql', pg_temp.x(vs_plpgsql), vs_plpgsql >= 2 FROM t WHERE ord = 1
  UNION ALL SELECT 3, 'place, one hot SKU: ext ≥ 0.9× bare', pg_temp.x(vs_bare), vs_bare >= 0.9 FROM t WHERE ord = 2
  UNION ALL SELECT 4, 'place, every line backordered: ext ≥ 2× plpgsql', pg_temp.x(vs_plpgsql), vs_plpgsql >= 2 FROM t WHERE ord = 3
  UNION ALL SELECT 5, 'receipt fill: ext µs/fill at 200,000 ÷ at 10,000 ≤ 1.2',
        round((b.ext / a.ext)::numeric, 2)::text, b.ext / a.ext <= 1.2 FROM t a, t b WHERE a.ord = 4 AND b.ord = 5
  UNION ALL SELECT 6, 'receipt fill: ext ≥ 3× plpgsql (10,000 waiting)', pg_temp.x(vs_plpgsql), vs_plpgsql >= 3 FROM t WHERE ord = 4
  UNION ALL SELECT 7, 'receipt fill: ext ≥ 3× plpgsql (200,000 waiting)', pg_temp.x(vs_plpgsql), vs_plpgsql >= 3 FROM t WHERE ord = 5
  UNION ALL SELECT 8, 'ETA recompute, 20,000 waiting, PO covers all: ext ≥ 3× plpgsql', pg_temp.x(vs_plpgsql), vs_plpgsql >= 3 FROM t WHERE ord = 6
  UNION ALL SELECT 9, 'ETA recompute, 20,000 waiting, PO covers 2,000: ext ≥ 3× plpgsql', pg_temp.x(vs_plpgsql), vs_plpgsql >= 3 FROM t WHERE ord = 7
  UNION ALL SELECT 10, 'waiting_orders, 20,000 rows: ext no slower than plpgsql (≥ 0.95×, the noise)', pg_temp.x(vs_plpgsql), vs_plpgsql >= 0.95 FROM t WHERE ord = 8
  -- issue 11
  UNION ALL SELECT 11, 'issue 11: ' || substr(label, 1, 60) || ': ext no slower than the hand-written SQL (≥ 0.95×, the noise)',
        pg_temp.x(vs_plpgsql), vs_plpgsql >= 0.95 FROM t WHERE ord BETWEEN 9.1 AND 9.7
  UNION ALL SELECT 12, 'issue 11: receipt naming the covering PO: ext µs/fill at 50,000 ÷ at 10,000 ≤ 1.2',
        round((b.ext / a.ext)::numeric, 2)::text, b.ext / a.ext <= 1.2 FROM t a, t b WHERE a.ord = 4.5 AND b.ord = 5.5
  UNION ALL SELECT 13, 'issue 11: ETA recompute, PO covers all 20,000: ext ≥ 3× plpgsql', pg_temp.x(vs_plpgsql), vs_plpgsql >= 3 FROM t WHERE ord = 6
  UNION ALL SELECT 14, 'issue 11: place in stock: ext ≥ 0.9× bare_nofk', pg_temp.x(vs_bare_nofk), vs_bare_nofk >= 0.9 FROM t WHERE ord = 1
  UNION ALL SELECT 15, 'issue 11: place, one hot SKU: ext ≥ 0.8× bare_nofk', pg_temp.x(vs_bare_nofk), vs_bare_nofk >= 0.8 FROM t WHERE ord = 2
  UNION ALL SELECT 16, 'issue 11: place, every line backordered: ext ≥ 0.6× bare_nofk', pg_temp.x(vs_bare_nofk), vs_bare_nofk >= 0.6 FROM t WHERE ord = 3
  UNION ALL SELECT o + 0.5, 'issue 11: ' || what || ': bare, with the foreign keys and CHECKs SPEC requires, against bare_nofk',
        pg_temp.x(bare / bare_nofk), NULL FROM t, (VALUES (1, 14, 'place in stock'), (2, 15, 'one hot SKU'), (3, 16, 'every line backordered')) w(ord_, o, what)
   WHERE t.ord = w.ord_
  UNION ALL SELECT 16.6, 'issue 11: every line backordered: the floor that also writes the event and NOTIFY SPEC requires, against bare_nofk',
        pg_temp.x(a.bare / b.bare_nofk), NULL FROM t a, t b WHERE a.ord = 3.1 AND b.ord = 3
) q ORDER BY o, target;
SELECT '';
SELECT '<details><summary>every run (TPS, or ms per transaction)</summary>';
SELECT '';
SELECT '| scenario | implementation | runs, in order | median |';
SELECT '|---|---|---|--:|';
SELECT format('| %s | %s | %s | %s |', r.scenario, r.impl,
              string_agg(round(r.value::numeric, CASE WHEN r.value >= 100 THEN 0 ELSE 2 END)::text, ', ' ORDER BY r.round),
              round(max(m.med)::numeric, 2))
  FROM r JOIN m USING (scenario, impl) JOIN s USING (scenario)
 GROUP BY s.ord, r.scenario, r.impl
 ORDER BY s.ord, array_position(ARRAY['bare', 'bare_nofk', 'plpgsql', 'ext'], r.impl);
SELECT '';
SELECT '</details>';
EOF

{
    echo "# backorder benchmark results"
    echo
    echo "\`bench/run.sh$([[ $MODE == quick ]] && echo ' --quick')\` on $(date -u '+%Y-%m-%d %H:%M UTC'): $ROUNDS rounds, interleaved"
    echo "(bare, plpgsql, ext in every round), medians; $ELAPSED s in all."
    echo
    echo "- machine: $(nproc) cores ($CPU), $MEM memory; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- engine: commit ${BENCH_ENGINE:-unknown}"
    echo "- server: $PGVERSION; one throwaway cluster (pg_virtualenv -t), synchronous_commit=off,"
    echo "  shared_buffers=256MB, autovacuum off (VACUUM ANALYZE and CHECKPOINT before every round)"
    echo "- placement: pgbench -M prepared, $CLIENTS clients, $THREADS threads, ${PLACE_SECS} s per run;"
    echo "  receipts: $RECEIPT_REPS runs per round of $RECEIPTS receipts of 100 units (queues topped up"
    echo "  after each run); receipts naming the PO: $PO_REPS run(s) per round of $PO_RECEIPTS;"
    echo "  ETA: purchase-order moves per run ($ETA_RUNS);"
    echo "  waiting_orders: $WAIT_QUERIES queries per run"
    echo "- other developers' tests share this machine: absolute numbers are noisy, the ratios"
    echo "  (measured side by side in the same run) are what counts"
    echo "- consistency after the runs: ext \`backorder.check()\` $EXT_PROBLEMS problems;"
    echo "  plpgsql $PLPGSQL_PROBLEMS inconsistent items or lines; the two did the same work (same promised"
    echo "  dates and events for E20K and E2K, same events and allocations for F10K and F200K):"
    echo "  $([[ $ETA_DIFF == 0 ]] && echo yes || echo "NO ($ETA_DIFF rows differ)")"
    if [[ -z "$SCHEMA_DRIFT" ]]; then
        echo "- bare and plpgsql have the extension's indexes and CHECK constraints on the tables they share"
    else
        echo "- **the indexes or CHECK constraints of bare or plpgsql differ from the extension's** (update"
        echo "  bench/bare.sql, bench/plpgsql.sql):"
        echo
        echo '```'
        printf '%s' "$SCHEMA_DRIFT"
        echo '```'
    fi
    echo
    cat "$WORK/table.md"
} >"$OUT"

echo
cat "$OUT"
echo
echo "saved to $OUT"
rm -rf "$WORK"
if [[ $EXT_PROBLEMS != 0 || $PLPGSQL_PROBLEMS != 0 || $ETA_DIFF != 0 ]]; then
    echo "bench/run.sh: the implementations disagree or are inconsistent (see above)" >&2
    exit 1
fi
