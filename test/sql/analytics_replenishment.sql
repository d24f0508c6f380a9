-- Analytics and replenishment: normal_quantile, reorder_suggestions and
-- backorder_stats against hand-computed figures.
--
-- The scenario runs in a database of its own, so that the rows other tests
-- leave behind never show up in these per-item reports (and ours not in
-- theirs).  Every timestamp is relative to t0 = today's midnight in the
-- session's time zone, a zone without daylight saving time so that every
-- day has 24 hours and every interval below is exact.
\set VERBOSITY terse
\set SHOW_CONTEXT never
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS backorder_analytics_test;   -- left over by an interrupted run
RESET client_min_messages;
CREATE DATABASE backorder_analytics_test;
\c backorder_analytics_test
CREATE EXTENSION backorder;
SET TIME ZONE 'Asia/Kolkata';   -- UTC+05:30: local days differ from UTC days
SET DateStyle = 'ISO, YMD';     -- \gset timestamps with their offset, not an ambiguous "IST"
\set VERBOSITY terse
\set SHOW_CONTEXT never

------------------------------------------------------------------------
-- normal_quantile: the inverse standard normal distribution function
------------------------------------------------------------------------
SELECT p, round(backorder.normal_quantile(p)::numeric, 12) AS z
  FROM unnest(ARRAY[0.5, 0.8413447460685429, 0.9, 0.95, 0.975, 0.99, 0.999, 0.05, 1e-10]::float8[]) p;
SELECT backorder.normal_quantile(0.5)::text AS exactly_zero,
       backorder.normal_quantile(NULL) IS NULL AS strict;
SELECT backorder.normal_quantile(0);
SELECT backorder.normal_quantile(1);
SELECT backorder.normal_quantile('NaN');

------------------------------------------------------------------------
-- reorder_suggestions.  One transaction, so that t0 and today agree.
------------------------------------------------------------------------
BEGIN;
SELECT date_trunc('day', now()) AS t0 \gset

-- A-IDLE: never ordered; 5 on hand; configured lead time 2.5 days.
INSERT INTO backorder.items (sku, lead_time) VALUES ('A-IDLE', '2 days 12:00');
INSERT INTO backorder.receipts (sku, quantity, received_at) VALUES ('A-IDLE', 5, :'t0'::timestamptz - interval '40 days');

-- B-ONCE: no stock, every day of a 10-day horizon zero but one; lead time 5 days.
INSERT INTO backorder.items (sku, lead_time) VALUES ('B-ONCE', '5 days');
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at) VALUES
  ('B-1', 1, 'B-ONCE', 7, :'t0'::timestamptz - interval '10 days' - interval '1 second'),  -- the day before the horizon
  ('B-2', 1, 'B-ONCE', 6, :'t0'::timestamptz - interval '10 days'),                        -- first instant of it
  ('B-3', 1, 'B-ONCE', 4, :'t0'::timestamptz - interval '9 days' - interval '1 second'),   -- last instant of that day
  ('B-4', 1, 'B-ONCE', 5, :'t0'::timestamptz);                                             -- today: not counted
-- cancelled units are still demand
INSERT INTO backorder.cancellations (order_id, line_no, reason) VALUES ('B-3', 1, 'customer gave up');
-- 20 units on the way
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
  VALUES ('PO-B1', 'B-ONCE', 20, :'t0'::timestamptz + interval '3 days');

-- C-SEEN: configured lead time 30 days, but purchase orders took
-- 8, 10, 3.5 and 12 days: observed median (8 + 10) / 2 = 9 days.
INSERT INTO backorder.items (sku, lead_time) VALUES ('C-SEEN', '30 days');
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, ordered_at, expected_at) VALUES
  ('PO-C1', 'C-SEEN', 10, :'t0'::timestamptz - interval '40 days', :'t0'::timestamptz - interval '30 days'),
  ('PO-C2', 'C-SEEN', 10, :'t0'::timestamptz - interval '30 days', :'t0'::timestamptz - interval '20 days'),
  ('PO-C3', 'C-SEEN', 10, :'t0'::timestamptz - interval '25 days', :'t0'::timestamptz - interval '20 days'),
  ('PO-C4', 'C-SEEN', 10, :'t0'::timestamptz - interval '14 days', :'t0'::timestamptz - interval '4 days'),
  ('PO-C5', 'C-SEEN', 15, :'t0'::timestamptz - interval '1 day',   :'t0'::timestamptz + interval '7 days');
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id, received_at) VALUES
  ('C-SEEN', 10, 'PO-C1', :'t0'::timestamptz - interval '32 days'),                        -- 8 days
  ('C-SEEN', 10, 'PO-C3', :'t0'::timestamptz - interval '22 days' + interval '12 hours'),  -- 3.5 days
  ('C-SEEN', 10, 'PO-C2', :'t0'::timestamptz - interval '20 days'),                        -- 10 days
  ('C-SEEN', 10, 'PO-C4', :'t0'::timestamptz - interval '2 days');                         -- 12 days
-- a receipt without purchase order says nothing about lead time
INSERT INTO backorder.receipts (sku, quantity, received_at) VALUES ('C-SEEN', 5, :'t0'::timestamptz - interval '1 day');
-- demand: 30 units 50 days ago; in the last 10 days 6 (day -5), 2 (day -2), 3 + 1 (day -1)
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at) VALUES
  ('C-0', 1, 'C-SEEN', 30, :'t0'::timestamptz - interval '50 days'),
  ('C-1', 1, 'C-SEEN', 6, :'t0'::timestamptz - interval '5 days' + interval '8 hours'),
  ('C-2', 1, 'C-SEEN', 2, :'t0'::timestamptz - interval '2 days' + interval '12 hours'),
  ('C-3', 1, 'C-SEEN', 3, :'t0'::timestamptz - interval '1 day' + interval '9 hours'),
  ('C-3', 2, 'C-SEEN', 1, :'t0'::timestamptz - interval '1 day' + interval '15 hours');

SELECT sku, on_hand, reserved, available, backordered, incoming, projected
  FROM backorder.stock_levels ORDER BY sku;
SELECT sku, lead_time, observed_lead_time FROM backorder.lead_times ORDER BY sku;

-- Horizon 10 days, 95 %: z = 1.644853626951
--   A-IDLE: nothing ordered: 0, 0; lead 2.5; ss 0; rop 0; position 5.
--   B-ONCE: days 10 0 0 0 0 0 0 0 0 0: mean 1, stddev sqrt(9) = 3; lead 5;
--     ss = ceil(z * 3 * sqrt 5 = 11.034) = 12; rop = ceil(1 * 5) + 12 = 17;
--     position = 0 + 20 - 18 = 2; suggest 17 - 2 = 15.
--   C-SEEN: days 6 0 0 2 4 (the rest 0): S = 12, Q = 36 + 4 + 16 = 56,
--     mean 1.2, variance (10 * 56 - 144) / 100 = 4.16, stddev 2.039607805437...;
--     lead 9 (observed); ss = ceil(z * sqrt(4.16 * 9) = 10.065) = 11;
--     rop = ceil(1.2 * 9 = 10.8) + 11 = 22; position = 45 - 42 + 15 = 18; suggest 4.
SELECT * FROM backorder.reorder_suggestions(10, 0.95);

-- Service level 0.5: z = 0, no safety stock.
--   B-ONCE: rop 5, position 2: suggest 3.  C-SEEN: rop 11 < position 18: 0.
SELECT sku, safety_stock, reorder_point, "position", suggested_quantity
  FROM backorder.reorder_suggestions(10, 0.5);

-- The defaults: 90 days, 95 %.
--   B-ONCE: days 7 (day -11), 10 (day -10): S = 17, Q = 149, mean 17/90,
--     variance (90 * 149 - 289) / 8100 = 13121 / 8100, stddev = sqrt(13121) / 90
--     = 1.272743706804...; ss = ceil(z * sqrt(13121 * 5) / 90 = 4.681) = 5;
--     rop = ceil(17 * 5 / 90 = 0.944) + 5 = 6; position 2; suggest 4.
--   C-SEEN: S = 42, Q = 900 + 56 = 956, mean 42/90 = 0.4666...,
--     variance (90 * 956 - 1764) / 8100 = 84276 / 8100 = 10.404444..., stddev 3.225592...;
--     ss = ceil(z * sqrt(84276 * 9) / 90 = 15.917) = 16;
--     rop = ceil(42 * 9 / 90 = 4.2) + 16 = 21; position 18; suggest 3.
SELECT * FROM backorder.reorder_suggestions();

COMMIT;

------------------------------------------------------------------------
-- backorder_stats.  Waits are filled_at - created_at, each the now() of
-- its own transaction, so the waits of E-STATS are checked against the
-- backorder rows; F-TAKEBACK runs in one transaction and waits 0.
------------------------------------------------------------------------
SELECT date_trunc('day', now()) AS t0 \gset

-- E-STATS: one line reserved, then four that wait (and one old one, placed
-- before since), filled by three receipts in three transactions.
INSERT INTO backorder.items (sku) VALUES ('E-STATS');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('E-STATS', 1);
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at) VALUES
  ('E-R', 1, 'E-STATS', 1, :'t0'::timestamptz - interval '4 days');
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at) VALUES
  ('E-0', 1, 'E-STATS', 5, :'t0'::timestamptz - interval '60 days'),
  ('E-1', 1, 'E-STATS', 3, :'t0'::timestamptz - interval '3 days'),
  ('E-2', 1, 'E-STATS', 2, :'t0'::timestamptz - interval '2 days'),
  ('E-3', 1, 'E-STATS', 1, :'t0'::timestamptz - interval '1 day'),
  ('E-4', 1, 'E-STATS', 4, :'t0'::timestamptz - interval '1 day' + interval '1 hour');
SELECT pg_sleep(0.01);
INSERT INTO backorder.receipts (sku, quantity) VALUES ('E-STATS', 8);   -- fills E-0 and E-1
SELECT pg_sleep(0.01);
INSERT INTO backorder.receipts (sku, quantity) VALUES ('E-STATS', 2);   -- fills E-2
SELECT pg_sleep(0.01);
INSERT INTO backorder.receipts (sku, quantity) VALUES ('E-STATS', 2);   -- fills E-3, 1 of E-4
INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('E-4', 1, 1);  -- E-4 waits for 2
SELECT order_id, quantity, filled, cancelled, status FROM backorder.backorders
 WHERE sku = 'E-STATS' ORDER BY order_id;

-- F-TAKEBACK: 2 reserved, taken back, filled, taken back again: two backorder
-- rows of 2 units for a line of 2, so 1 - 4/2 is floored at 0.
BEGIN;
INSERT INTO backorder.items (sku) VALUES ('F-TAKEBACK');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('F-TAKEBACK', 2);
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at) VALUES
  ('F-1', 1, 'F-TAKEBACK', 2, :'t0'::timestamptz - interval '6 days');
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('F-TAKEBACK', -2, 'damaged');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('F-TAKEBACK', 2);
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('F-TAKEBACK', -2, 'stolen');
COMMIT;
SELECT order_id, quantity, filled, cancelled, status FROM backorder.backorders
 WHERE sku = 'F-TAKEBACK' ORDER BY id;

-- G-CLEAN: always in stock.
INSERT INTO backorder.items (sku) VALUES ('G-CLEAN');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('G-CLEAN', 10);
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at) VALUES
  ('G-1', 1, 'G-CLEAN', 3, :'t0'::timestamptz - interval '7 days'),
  ('G-1', 2, 'G-CLEAN', 4, :'t0'::timestamptz - interval '7 days');

-- Since t0 - 30 days (E-0 and C-0 are older; A-IDLE has no lines):
--   B-ONCE:     4 lines, all backordered: rate 1; 22 units, 22 backordered:
--               fill rate 0; none filled (B-3's row was cancelled); 7 + 6 + 5 wait.
--   F-TAKEBACK: 1 line, backordered: rate 1; 2 units, 2 + 2 backordered:
--               fill rate max(0, 1 - 4/2) = 0; 1 filled; 2 wait.
--   E-STATS:    5 lines, 4 backordered: rate 0.8; 1 + 3 + 2 + 1 + 4 = 11 units,
--               10 backordered: fill rate 1/11; E-1, E-2, E-3 filled; E-4 waits for 2.
--   C-SEEN:     4 lines, 12 units, none backordered: rate 0, fill rate 1.
--   G-CLEAN:    2 lines, 7 units: rate 0, fill rate 1.
SELECT sku, lines, backordered_lines, backorder_rate, units, backordered_units,
       unit_fill_rate, filled_backorders, waiting_units
  FROM backorder.backorder_stats(:'t0'::timestamptz - interval '30 days');

-- Waits.  F-TAKEBACK's one filled row waited 0; nothing filled, no wait.
SELECT sku, avg_wait, p90_wait
  FROM backorder.backorder_stats(:'t0'::timestamptz - interval '30 days')
 WHERE sku <> 'E-STATS';
-- E-STATS: w1 < w2 < w3 (E-1, E-2, E-3; filled in that order, written together).
SELECT filled_at - created_at AS w0 FROM backorder.backorders WHERE order_id = 'E-0' \gset
SELECT filled_at - created_at AS w1 FROM backorder.backorders WHERE order_id = 'E-1' \gset
SELECT filled_at - created_at AS w2 FROM backorder.backorders WHERE order_id = 'E-2' \gset
SELECT filled_at - created_at AS w3 FROM backorder.backorders WHERE order_id = 'E-3' \gset
SELECT :'w0'::interval = :'w1'::interval AS same_receipt,
       :'w1'::interval > interval '0' AND :'w1'::interval < :'w2'::interval
         AND :'w2'::interval < :'w3'::interval AS increasing;
-- three waits: average (w1 + w2 + w3) / 3; p90 at rank 0.9 * (3 - 1) = 1.8:
-- w2 + 0.8 * (w3 - w2)
SELECT abs(extract(epoch FROM avg_wait - (:'w1'::interval + :'w2' + :'w3') / 3)) < 0.000002 AS avg_ok,
       abs(extract(epoch FROM p90_wait - (:'w2'::interval + (:'w3'::interval - :'w2') * 0.8))) < 0.000002 AS p90_ok
  FROM backorder.backorder_stats(:'t0'::timestamptz - interval '30 days') WHERE sku = 'E-STATS';

-- The default since (90 days back) takes E-0 and C-0 in:
--   E-STATS: 6 lines, 5 backordered: rate 5/6; 16 units, 15 backordered: fill rate 1/16;
--            4 filled with waits w1 (E-0), w1, w2, w3: average (2 w1 + w2 + w3) / 4,
--            p90 at rank 0.9 * 3 = 2.7: w2 + 0.7 * (w3 - w2).
--   C-SEEN:  5 lines, 42 units.
SELECT sku, lines, backordered_lines, backorder_rate, units, backordered_units,
       unit_fill_rate, filled_backorders, waiting_units
  FROM backorder.backorder_stats();
SELECT abs(extract(epoch FROM avg_wait - (:'w1'::interval * 2 + :'w2' + :'w3') / 4)) < 0.000002 AS avg_ok,
       abs(extract(epoch FROM p90_wait - (:'w2'::interval + (:'w3'::interval - :'w2') * 0.7))) < 0.000002 AS p90_ok
  FROM backorder.backorder_stats() WHERE sku = 'E-STATS';

-- Nothing placed since tomorrow.
SELECT count(*) FROM backorder.backorder_stats(:'t0'::timestamptz + interval '1 day');

------------------------------------------------------------------------
-- Bad input
------------------------------------------------------------------------
SELECT * FROM backorder.backorder_stats(NULL);
SELECT * FROM backorder.reorder_suggestions(NULL);
SELECT * FROM backorder.reorder_suggestions(90, NULL);
SELECT * FROM backorder.reorder_suggestions(0);
SELECT * FROM backorder.reorder_suggestions(-7, 0.9);
SELECT * FROM backorder.reorder_suggestions(2147483647);
SELECT * FROM backorder.reorder_suggestions(30, 0.49);
SELECT * FROM backorder.reorder_suggestions(30, 1);
SELECT * FROM backorder.reorder_suggestions(30, 1.5);
SELECT * FROM backorder.reorder_suggestions(30, 'NaN');
SELECT * FROM backorder.reorder_suggestions(30, '-Infinity');
SELECT * FROM backorder.reorder_suggestions(30, 0.99999999999999999999);
-- the lowest service level and a 1-day horizon are fine
SELECT count(*) FROM backorder.reorder_suggestions(1, 0.5);

-- Nothing is granted to PUBLIC.
SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'backorder'::regnamespace
   AND p.proname IN ('normal_quantile', 'backorder_stats', 'reorder_suggestions')
 ORDER BY p.proname;

-- The numbers are consistent.
SELECT * FROM backorder.check();

\c :regress_db
DROP DATABASE backorder_analytics_test;
