#!/usr/bin/env bash
# bench/attach.sh: what attaching costs (SPEC.md, "Attaching to a shop's own
# tables").  Measures, side by side in one database, the same in-stock order
# line placed two ways:
#   direct    INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity)
#   attached  INSERT INTO public.shop_lines (order_no, line_no, sku, qty), a shop
#             table (bigserial primary key) attached with attach_order_lines
# synchronous_commit is off in the benchmark's database, so that what is
# measured is the statements' work, not the disk's flush of each commit.
# Runs alternate (direct, attached, direct, ...); the medians of the tps and
# the cost ratio direct_tps / attached_tps (target: <= 1.5) are printed.
#
# Run inside a cluster (PGHOST/PGPORT/PGUSER set; the extension installed),
# e.g. pg_virtualenv -t -v 15 bench/attach.sh
# Environment: ATTACH_BENCH_SECONDS (default 10), ATTACH_BENCH_ROUNDS (3),
# ATTACH_BENCH_CLIENTS (2).
set -euo pipefail

seconds=${ATTACH_BENCH_SECONDS:-10}
rounds=${ATTACH_BENCH_ROUNDS:-3}
clients=${ATTACH_BENCH_CLIENTS:-2}
db=bo_attach_bench_$$
work=$(mktemp -d)
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; rm -rf "$work"' EXIT

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" >/dev/null
# commits without waiting for the WAL flush: otherwise the disk's fsync time
# hides what the statements themselves cost
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "ALTER DATABASE $db SET synchronous_commit = off" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
CREATE EXTENSION backorder;
CREATE SEQUENCE public.bench_order_seq;
CREATE TABLE public.shop_lines (
    id       bigserial PRIMARY KEY,
    order_no text NOT NULL,
    line_no  integer NOT NULL,
    sku      text NOT NULL,
    qty      integer NOT NULL);
SELECT backorder.attach_order_lines('public.shop_lines', 'order_no', 'sku', 'qty', line_no => 'line_no');
CREATE TABLE public.shop_variants (id integer PRIMARY KEY, sku text NOT NULL);
INSERT INTO public.shop_variants SELECT i, 'S' || i FROM generate_series(1, 100) i;
CREATE TABLE public.shop_items (
    id         bigserial PRIMARY KEY,
    order_no   text NOT NULL,
    line_no    integer NOT NULL,
    variant_id integer NOT NULL,
    qty        integer NOT NULL);
SELECT backorder.attach_order_lines('public.shop_items', 'order_no',
  '(SELECT v.sku FROM public.shop_variants v WHERE v.id = variant_id)', 'qty', line_no => 'line_no');
INSERT INTO backorder.items (sku) SELECT 'S' || i FROM generate_series(1, 100) i;
INSERT INTO backorder.receipts (sku, quantity) SELECT 'S' || i, 1000000000 FROM generate_series(1, 100) i;
SQL

cat >"$work/direct.sql" <<'SQL'
\set s random(1, 100)
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity)
VALUES (nextval('public.bench_order_seq')::text, 1, 'S' || :s, 1);
SQL
cat >"$work/attached.sql" <<'SQL'
\set s random(1, 100)
INSERT INTO public.shop_lines (order_no, line_no, sku, qty)
VALUES (nextval('public.bench_order_seq')::text, 1, 'S' || :s, 1);
SQL

cat >"$work/lookup.sql" <<'SQL'
\set s random(1, 100)
INSERT INTO public.shop_items (order_no, line_no, variant_id, qty)
VALUES (nextval('public.bench_order_seq')::text, 1, :s, 1);
SQL

run() {   # run NAME -> tps
  psql -X -q -d "$db" -c "VACUUM ANALYZE" >/dev/null 2>&1 || true
  pgbench -n -M prepared -c "$clients" -j "$clients" -T "$seconds" -f "$work/$1.sql" "$db" 2>/dev/null \
    | sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

: >"$work/direct.tps"; : >"$work/attached.tps"; : >"$work/lookup.tps"; : >"$work/r1"; : >"$work/r2"
for ((r = 1; r <= rounds; r++)); do
  d=$(run direct); a=$(run attached); l=$(run lookup)
  echo "round $r: direct $d tps, attached $a tps, lookup $l tps"
  echo "$d" >>"$work/direct.tps"; echo "$a" >>"$work/attached.tps"; echo "$l" >>"$work/lookup.tps"
  awk -v d="$d" -v a="$a" 'BEGIN {print d / a}' >>"$work/r1"
  awk -v d="$d" -v l="$l" 'BEGIN {print d / l}' >>"$work/r2"
done
echo "direct INSERT INTO backorder.order_lines: $(median <"$work/direct.tps") tps (median of $rounds, $clients clients, ${seconds}s)"
echo "attached, bare columns:                   $(median <"$work/attached.tps") tps"
echo "attached, sku by a lookup:                $(median <"$work/lookup.tps") tps"
printf 'cost ratio attached/direct: %.2f (median of the rounds; target <= 1.5)\n' "$(median <"$work/r1")"
printf 'cost ratio lookup/direct:   %.2f (median of the rounds)\n' "$(median <"$work/r2")"
psql -X -q -A -t -d "$db" -c "SELECT 'check: ' || count(*) || ' problems' FROM backorder.check()"
