-- Shipments, cancellations and adjustments keep every number exact.
\set VERBOSITY terse
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION pg_temp.lines(p_sku text) RETURNS TABLE (order_id text, line_no int, quantity bigint,
  reserved bigint, backordered bigint, shipped bigint, cancelled bigint, status text)
LANGUAGE sql AS $$
  SELECT order_id, line_no, quantity, reserved, backordered, shipped, cancelled, status
    FROM backorder.order_lines WHERE sku = p_sku ORDER BY order_id, line_no $$;

-- Shipments
INSERT INTO backorder.items (sku) VALUES ('L-S');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('L-S', 5);
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at) VALUES
  ('s1', 1, 'L-S', 4, '2026-03-01 00:00+00'), ('s2', 1, 'L-S', 3, '2026-03-02 00:00+00');
INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('s1', 1, 3) RETURNING quantity, on_hand_after;
SELECT * FROM pg_temp.lines('L-S');
SELECT pg_temp.err($$INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('s1', 1, 2)$$);
SELECT pg_temp.err($$INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('s2', 1, 2)$$);
SELECT pg_temp.err($$INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('s9', 1, 1)$$);
SELECT pg_temp.err($$INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('s1', 1, 0)$$);
INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('s1', 1, 1), ('s2', 1, 1) RETURNING on_hand_after;
SELECT * FROM pg_temp.lines('L-S');
SELECT sku, on_hand, reserved, backordered FROM backorder.items WHERE sku = 'L-S';

-- Cancellations: waiting units first, then reserved ones, which go at once to the queue
INSERT INTO backorder.items (sku) VALUES ('L-C');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('L-C', 4);
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at) VALUES
  ('c1', 1, 'L-C', 6, '2026-03-01 00:00+00'),   -- 4 reserved, 2 wait
  ('c2', 1, 'L-C', 3, '2026-03-02 00:00+00'),   -- 3 wait
  ('c3', 1, 'L-C', 2, '2026-03-03 00:00+00');   -- 2 wait
SELECT * FROM pg_temp.lines('L-C');
-- cancel 3 of c1: its 2 waiting, then 1 reserved, which goes to c2
INSERT INTO backorder.cancellations (order_id, line_no, quantity, reason) VALUES ('c1', 1, 3, 'smaller order')
RETURNING quantity, reason, waiting_cancelled, reserved_cancelled;
SELECT * FROM pg_temp.lines('L-C');
SELECT order_id, quantity, filled, cancelled, status, filled_at IS NULL AS no_filled_at
  FROM backorder.backorders WHERE sku = 'L-C' ORDER BY id;
SELECT kind, order_id, quantity, detail FROM backorder.events WHERE sku = 'L-C' AND kind <> 'backordered' ORDER BY id;
-- NULL quantity: every open unit of c1 (3 reserved) -> c2 gets 2, c3 gets 1
INSERT INTO backorder.cancellations (order_id, line_no) VALUES ('c1', 1)
RETURNING quantity, waiting_cancelled, reserved_cancelled;
SELECT * FROM pg_temp.lines('L-C');
SELECT pg_temp.err($$INSERT INTO backorder.cancellations (order_id, line_no) VALUES ('c1', 1)$$);
SELECT pg_temp.err($$INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('c3', 1, 3)$$);
SELECT pg_temp.err($$INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('c9', 1, 1)$$);
SELECT pg_temp.err($$INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('c3', 1, -1)$$);
-- cancel_order: one cancellations row per line with open units
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity) VALUES ('c2', 2, 'L-S', 1);
SELECT backorder.cancel_order('c2', 'changed mind');
SELECT order_id, line_no, quantity, reason, waiting_cancelled, reserved_cancelled
  FROM backorder.cancellations WHERE order_id = 'c2' ORDER BY id;
SELECT backorder.cancel_order('c2');
SELECT pg_temp.err($$SELECT backorder.cancel_order('nope')$$);
SELECT pg_temp.err($$SELECT backorder.cancel_order(NULL)$$);
SELECT * FROM pg_temp.lines('L-C');
SELECT sku, on_hand, reserved, available, backordered FROM backorder.stock_levels WHERE sku IN ('L-C', 'L-S') ORDER BY sku;

-- Adjustments
INSERT INTO backorder.items (sku) VALUES ('L-A');
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, priority, ordered_at) VALUES
  ('a1', 1, 'L-A', 2, 0, '2026-03-01 00:00+00'),
  ('a2', 1, 'L-A', 2, 5, '2026-03-02 00:00+00');
-- a positive delta acts like a receipt: a2 (priority 5) first
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('L-A', 6, 'stock count')
RETURNING delta, allocated, taken_back, on_hand_after;
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, priority, ordered_at) VALUES
  ('a3', 1, 'L-A', 1, 0, '2026-03-01 00:00+00'),
  ('a3', 2, 'L-A', 1, 0, '2026-03-01 00:00+00');
SELECT * FROM pg_temp.lines('L-A');
-- on hand 6 -> 3 under reserved 6: take 3 back in reverse fill order:
-- priority ASC, ordered_at DESC, order_id DESC, line_no DESC: a3/2, a3/1, then a1 (1 of 2)
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('L-A', -3, 'water damage')
RETURNING delta, allocated, taken_back, on_hand_after;
SELECT * FROM pg_temp.lines('L-A');
SELECT order_id, line_no, quantity, filled, status FROM backorder.backorders WHERE sku = 'L-A' ORDER BY id;
SELECT kind, order_id, line_no, quantity FROM backorder.events WHERE sku = 'L-A' ORDER BY id;
-- taken-back units wait whatever the policy or limit; a line that waits again grows its row
UPDATE backorder.items SET policy = 'deny', backorder_limit = 0 WHERE sku = 'L-A';
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('L-A', -1, 'lost') RETURNING taken_back;
SELECT order_id, line_no, quantity, filled, status FROM backorder.backorders WHERE sku = 'L-A' ORDER BY id;
SELECT pg_temp.err($$INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('L-A', -3, 'too much')$$);
SELECT pg_temp.err($$INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('L-A', 0, 'nothing')$$);
SELECT pg_temp.err($$INSERT INTO backorder.adjustments (sku, delta) VALUES ('L-A', 1)$$);
SELECT pg_temp.err($$INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('L-X', 1, 'x')$$);
SELECT sku, on_hand, reserved, available, backordered FROM backorder.stock_levels WHERE sku = 'L-A';

SELECT * FROM backorder.check();
