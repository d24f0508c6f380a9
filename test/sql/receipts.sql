-- Goods received: on hand grows, the queue is filled in fill order
-- (priority DESC, ordered_at, id), partial fills allowed; what is left is
-- available; a named purchase-order line counts the units as received.
\set VERBOSITY terse
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

INSERT INTO backorder.items (sku) VALUES ('R-A'), ('R-B');
-- four waiting lines; fill order: ro4 (priority 1), ro2 (earlier), ro1, ro3 (same time, later row)
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, priority, ordered_at) VALUES
  ('ro1', 1, 'R-A', 3, 0, '2026-03-01 10:00+00'),
  ('ro2', 1, 'R-A', 2, 0, '2026-03-01 09:00+00'),
  ('ro3', 1, 'R-A', 4, 0, '2026-03-01 10:00+00'),
  ('ro4', 1, 'R-A', 1, 1, '2026-03-02 00:00+00');
SELECT order_id, line_no, waiting, priority, queue_position, units_ahead
  FROM backorder.waiting_orders WHERE sku = 'R-A' ORDER BY queue_position;

-- 4 units: ro4 gets 1, ro2 gets 2, ro1 gets 1 of 3
INSERT INTO backorder.receipts (sku, quantity, reference) VALUES ('R-A', 4, 'first')
RETURNING sku, quantity, reference, allocated, on_hand_after;
SELECT b.order_id, b.quantity, b.filled, b.status, b.filled_at IS NOT NULL AS has_filled_at
  FROM backorder.backorders b WHERE sku = 'R-A' ORDER BY id;
SELECT order_id, reserved, backordered, status FROM backorder.order_lines WHERE sku = 'R-A' ORDER BY order_id;
SELECT kind, order_id, quantity, detail FROM backorder.events WHERE sku = 'R-A' AND kind = 'allocated' ORDER BY id;

-- 10 units: ro1 gets its last 2, ro3 gets 4, 4 stay available
INSERT INTO backorder.receipts (sku, quantity) VALUES ('R-A', 10)
RETURNING allocated, on_hand_after;
SELECT sku, on_hand, reserved, available, backordered FROM backorder.stock_levels WHERE sku = 'R-A';
SELECT order_id, status FROM backorder.backorders WHERE sku = 'R-A' ORDER BY id;
SELECT kind, order_id, quantity, detail FROM backorder.events WHERE sku = 'R-A' AND kind = 'allocated' ORDER BY id;

-- purchase-order linking
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
VALUES ('PO-1', 'R-B', 5, '2026-04-01 00:00+00');
SELECT purchase_order_id, sku, quantity, received, status FROM backorder.purchase_orders WHERE sku = 'R-B';
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('R-B', 3, 'PO-1') RETURNING allocated, on_hand_after;
SELECT purchase_order_id, received, status FROM backorder.purchase_orders WHERE purchase_order_id = 'PO-1';
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('R-B', 2, 'PO-1');
SELECT purchase_order_id, received, status FROM backorder.purchase_orders WHERE purchase_order_id = 'PO-1';
-- beyond its quantity, and whatever its status
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('R-B', 4, 'PO-1');
SELECT purchase_order_id, received, status FROM backorder.purchase_orders WHERE purchase_order_id = 'PO-1';
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
VALUES ('PO-2', 'R-B', 5, '2026-04-01 00:00+00');
UPDATE backorder.purchase_orders SET status = 'cancelled' WHERE purchase_order_id = 'PO-2';
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('R-B', 6, 'PO-2');
SELECT purchase_order_id, received, status FROM backorder.purchase_orders WHERE purchase_order_id = 'PO-2';
-- raising the quantity of a closed line reopens it; lowering closes it
UPDATE backorder.purchase_orders SET quantity = 12 WHERE purchase_order_id = 'PO-1';
SELECT purchase_order_id, quantity, received, status FROM backorder.purchase_orders WHERE purchase_order_id = 'PO-1';
UPDATE backorder.purchase_orders SET quantity = 9 WHERE purchase_order_id = 'PO-1';
SELECT purchase_order_id, quantity, received, status FROM backorder.purchase_orders WHERE purchase_order_id = 'PO-1';
SELECT sku, on_hand, incoming FROM backorder.stock_levels WHERE sku = 'R-B';

-- a purchase order that has no line for the sku, an unknown sku
SELECT pg_temp.err($$INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('R-A', 1, 'PO-1')$$);
SELECT pg_temp.err($$INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('R-B', 1, 'PO-9')$$);
SELECT pg_temp.err($$INSERT INTO backorder.receipts (sku, quantity) VALUES ('R-X', 1)$$);
SELECT pg_temp.err($$INSERT INTO backorder.receipts (sku, quantity) VALUES ('R-A', 0)$$);
SELECT pg_temp.err($$INSERT INTO backorder.receipts (sku, quantity) VALUES ('R-A', NULL)$$);
SELECT pg_temp.err($$INSERT INTO backorder.receipts (sku, quantity) VALUES ('R-A', 9223372036854775807)$$);
SELECT sku, on_hand, reserved, backordered FROM backorder.items WHERE sku LIKE 'R-%' ORDER BY sku;

SELECT * FROM backorder.check();
