#!/bin/sh
# bench/analytics_timing.sh: builds a shop of 10,000 SKUs and 1,000,000 order
# lines (through the engine, as an application would: receipts, purchase
# orders with receipts, orders placed over the last 180 days, some filled
# from the queue, some cancelled) in a scratch database, then times
# backorder_stats() and reorder_suggestions() with their defaults.
#
# Usage: bench/analytics_timing.sh [lines] [skus] [runs]
#   Connects with the usual PG* environment variables; for a throwaway
#   cluster: pg_virtualenv -t -v 15 bench/analytics_timing.sh
#   Drops and creates the database $BENCH_DB (default backorder_bench), unless
#   BENCH_REUSE=1, which times the functions on the data already there.
#   Needs the extension installed (`make install`).  Loading goes through
#   the engine's triggers, one line at a time: expect about half an hour for
#   the full size on a small machine.
set -eu

LINES=${1:-1000000}
SKUS=${2:-10000}
RUNS=${3:-3}
DB=${BENCH_DB:-backorder_bench}
ROUNDS=10

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

if [ "${BENCH_REUSE:-0}" != 1 ]; then
psql_q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql_q -d "$DB" -c "CREATE EXTENSION backorder"

start=$(date +%s)
psql_q -d "$DB" -v lines="$LINES" -v skus="$SKUS" -v rounds="$ROUNDS" <<'SQL'
SELECT setseed(0.42) \g /dev/null
-- items: lead times of 7 to 30 days
INSERT INTO backorder.items (sku, lead_time)
SELECT format('SKU-%s', lpad(i::text, 6, '0')), make_interval(days => 7 + (i % 24))
  FROM generate_series(1, :skus) i;
-- opening stock
INSERT INTO backorder.receipts (sku, quantity, received_at, reference)
SELECT sku, 20, now() - interval '200 days', 'opening' FROM backorder.items;
-- three purchase-order lines per SKU: two to be received, one left open
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, ordered_at, expected_at)
SELECT format('PO-%s', p), i.sku, 60,
       now() - make_interval(days => 200 - 60 * p),
       now() - make_interval(days => 200 - 60 * p) + i.lead_time
  FROM backorder.items i, generate_series(1, 3) p;
SQL

# the orders, in rounds of 18 days each, each round followed by a receipt per SKU
r=0
while [ $r -lt $ROUNDS ]; do
  psql_q -d "$DB" -v lines="$LINES" -v skus="$SKUS" -v rounds="$ROUNDS" -v r="$r" <<'SQL'
SELECT setseed(0.1 + :r / 100.0) \g /dev/null
-- order lines: SKU popularity skewed (square of a uniform), 1 to 5 units,
-- ordered at random times within the round's 18 days
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at)
SELECT format('O-%s-%s', :r, n / 3), n % 3 + 1,
       format('SKU-%s', lpad((1 + floor(:skus * random() ^ 2))::int::text, 6, '0')),
       1 + floor(random() * 5)::int,
       now() - interval '180 days' + make_interval(days => :r * 18) + random() * interval '18 days'
  FROM generate_series(0, :lines / :rounds - 1) n;
-- receipts: against the purchase orders in rounds 3 and 6, otherwise without
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id, received_at)
SELECT i.sku, 30,
       CASE WHEN :r IN (3, 6) THEN format('PO-%s', :r / 3) END,
       CASE WHEN :r IN (3, 6)
            THEN now() - make_interval(days => 200 - 60 * (:r / 3)) + i.lead_time
                 + (random() - 0.5) * interval '4 days'
            ELSE now() - interval '180 days' + make_interval(days => :r * 18 + 17) END
  FROM backorder.items i;
-- a few cancellations
INSERT INTO backorder.cancellations (order_id, line_no, reason)
SELECT l.order_id, l.line_no, 'bench'
  FROM backorder.order_lines l
 WHERE l.order_id LIKE format('O-%s-%%', :r) AND l.status IN ('reserved', 'backordered')
   AND random() < 0.02;
SQL
  r=$((r + 1))
done
psql_q -d "$DB" -c "VACUUM ANALYZE"
end=$(date +%s)
echo "loaded in $((end - start)) s"
fi

psql_q -d "$DB" -At <<'SQL'
SELECT format('data: %s items, %s order lines (%s ever backordered), %s backorder rows (%s filled), '
              '%s receipts, %s purchase-order lines; %s order lines in the last 90 days',
              (SELECT count(*) FROM backorder.items),
              (SELECT count(*) FROM backorder.order_lines),
              (SELECT count(DISTINCT (order_id, line_no)) FROM backorder.backorders),
              (SELECT count(*) FROM backorder.backorders),
              (SELECT count(*) FROM backorder.backorders WHERE status = 'filled'),
              (SELECT count(*) FROM backorder.receipts),
              (SELECT count(*) FROM backorder.purchase_orders),
              (SELECT count(*) FROM backorder.order_lines WHERE ordered_at >= now() - interval '90 days'));
SQL
echo "check(): $(psql_q -d "$DB" -At -c 'SELECT count(*) FROM backorder.check()') problems"

# time each function $RUNS times; the whole result is computed and fetched
timed() {
  psql_q -d "$DB" -c '\timing on' -c '\o /dev/null' -c "SELECT * FROM $1" | sed -n 's/^Time: /  /p'
}
i=1
while [ $i -le "$RUNS" ]; do
  echo "run $i: backorder.backorder_stats()     $(timed 'backorder.backorder_stats()')"
  echo "run $i: backorder.reorder_suggestions() $(timed 'backorder.reorder_suggestions()')"
  i=$((i + 1))
done
