-- Promise upkeep that touches only the rows whose date can move (issue 11):
-- a receipt naming a purchase-order line re-promises the rows within the
-- units of the lines before it (and the first row), a priority change the
-- whole queue; every case is checked against the rule itself (the first
-- open line, by expected_at and purchase_order_id, whose running total of
-- outstanding units reaches the row's running total of waiting units).
\set VERBOSITY terse
\set SHOW_CONTEXT never
SET timezone = 'UTC';
CREATE FUNCTION pg_temp.queue() RETURNS TABLE (order_id text, waiting bigint, expected_at timestamptz)
LANGUAGE sql AS $$
  SELECT order_id, waiting, CASE WHEN eta_source = 'purchase_order' THEN expected_at END
    FROM backorder.waiting_orders WHERE sku = 'U-1' ORDER BY queue_position $$;
-- rows whose stored date breaks the rule (none expected)
CREATE FUNCTION pg_temp.broken() RETURNS bigint LANGUAGE sql AS $$
  WITH q AS (SELECT b.id, b.expected_at,
                    sum(b.quantity - b.filled - b.cancelled)
                      OVER (ORDER BY b.priority DESC, b.ordered_at, b.id) AS running
               FROM backorder.backorders b WHERE b.sku = 'U-1' AND b.status = 'waiting'),
       s AS (SELECT p.expected_at,
                    sum(p.quantity - p.received) OVER (ORDER BY p.expected_at, p.purchase_order_id) AS cum
               FROM backorder.purchase_orders p
              WHERE p.sku = 'U-1' AND p.status = 'open' AND p.quantity > p.received)
  SELECT count(*) FROM q
   WHERE q.expected_at IS DISTINCT FROM
         (SELECT s.expected_at FROM s WHERE s.cum >= q.running ORDER BY s.cum LIMIT 1) $$;
CREATE TABLE pg_temp.seen (id bigint);
INSERT INTO pg_temp.seen VALUES (0);
CREATE FUNCTION pg_temp.eta_events() RETURNS TABLE (order_id text, quantity bigint, detail jsonb)
LANGUAGE sql AS $$
  SELECT order_id, quantity, detail FROM backorder.events
   WHERE sku = 'U-1' AND kind = 'eta_changed' AND id > (SELECT max(id) FROM pg_temp.seen) ORDER BY id $$;
CREATE FUNCTION pg_temp.mark() RETURNS void LANGUAGE sql AS $$
  INSERT INTO pg_temp.seen SELECT coalesce(max(id), 0) FROM backorder.events $$;

INSERT INTO backorder.items (sku) VALUES ('U-1');
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at)
SELECT 'u' || g, 1, 'U-1', 2, timestamptz '2026-05-01 00:00+00' + g * interval '1 hour'
  FROM generate_series(1, 6) g;
-- A: 4 units in June, B: 6 in July; u1, u2 in June, u3..u5 in July, u6 none
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at) VALUES
  ('A', 'U-1', 4, '2026-06-01 00:00+00'), ('B', 'U-1', 6, '2026-07-01 00:00+00');
SELECT * FROM pg_temp.queue();
SELECT pg_temp.mark();

-- 1. a receipt of 2 against A (the first line): u1 is filled, A and the
-- queue both shrink by 2, no remaining row changes its date
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('U-1', 2, 'A');
SELECT * FROM pg_temp.queue();
SELECT * FROM pg_temp.eta_events();
SELECT pg_temp.broken();
SELECT pg_temp.mark();

-- 2. a receipt of 3 against B (after A's 2 units): u2 is filled and one
-- unit of u3; u3, now within A's 2 units, moves to June, u4 and u5 keep July
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('U-1', 3, 'B');
SELECT * FROM pg_temp.queue();
SELECT * FROM pg_temp.eta_events();
SELECT pg_temp.broken();
SELECT pg_temp.mark();

-- 3. a receipt larger than what A still expects (5 against A's 2): A closes
-- and the queue shrinks by more than the supply (the whole merge runs):
-- u3..u5 are filled, u6 is now within B's 3 units and gets July
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('U-1', 5, 'A');
SELECT * FROM pg_temp.queue();
SELECT * FROM pg_temp.eta_events();
SELECT pg_temp.broken();
SELECT pg_temp.mark();

-- 4. a priority change moves a promised row behind rows without a date:
-- u6 (2 units, July) goes behind u7 and u8 (4 each, more than B's 3): u7
-- does not fit, u8 neither, and u6, now last, loses its date
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at) VALUES
  ('u7', 1, 'U-1', 4, '2026-05-02 00:00+00'), ('u8', 1, 'U-1', 4, '2026-05-03 00:00+00');
SELECT * FROM pg_temp.queue();
SELECT pg_temp.mark();
UPDATE backorder.order_lines SET priority = -1 WHERE order_id = 'u6';
SELECT * FROM pg_temp.queue();
SELECT * FROM pg_temp.eta_events();
SELECT pg_temp.broken();
SELECT count(*) AS problems FROM backorder.check();
