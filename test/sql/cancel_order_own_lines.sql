-- test/sql/cancel_order_own_lines.sql: cancel_order cancels every line of
-- the order as it stood (waiting units first, then reserved) before any
-- freed reserved unit goes to a queue, so the order's own waiting lines
-- never receive the units it frees and no `allocated` event is written for
-- them (SPEC.md, cancel_order); a line with nothing open gets no row; an
-- unknown order fails with P0002.
\set VERBOSITY terse
SET TimeZone = 'UTC';
INSERT INTO backorder.items (sku) VALUES ('OL-K'), ('OL-M');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('OL-K', 1), ('OL-M', 2);
-- OL-o1: line 1 takes the one unit of OL-K, line 2 waits for 2 of OL-K,
-- line 3 takes 1 of OL-M, line 4 is shipped whole (nothing open)
SELECT order_id, line_no, reserved, backordered, status
  FROM backorder.place_order('OL-o1', '[{"line_no": 1, "sku": "OL-K", "quantity": 1},
                                      {"line_no": 2, "sku": "OL-K", "quantity": 2},
                                      {"line_no": 3, "sku": "OL-M", "quantity": 1},
                                      {"line_no": 4, "sku": "OL-M", "quantity": 1}]')
 ORDER BY line_no;
INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('OL-o1', 4, 1);
-- another order waits for OL-K behind OL-o1's line 2
SELECT order_id, line_no, reserved, backordered
  FROM backorder.place_order('OL-o2', '[{"line_no": 1, "sku": "OL-K", "quantity": 1,
                                       "ordered_at": "2030-01-01T00:00:00Z"}]');
SELECT max(id) AS events_before FROM backorder.events \gset

SELECT backorder.cancel_order('OL-o1', 'customer changed mind') AS cancelled;
-- one row per line with open units, in line_no order, each as it stood
SELECT order_id, line_no, quantity, waiting_cancelled, reserved_cancelled, reason
  FROM backorder.cancellations ORDER BY id;
SELECT order_id, line_no, reserved, backordered, shipped, cancelled, status
  FROM backorder.order_lines ORDER BY order_id, line_no;
-- the freed unit of OL-K goes to OL-o2, never to OL-o1's own line 2
SELECT kind, order_id, line_no, sku, quantity, detail
  FROM backorder.events WHERE id > :events_before ORDER BY id;
SELECT order_id, line_no, quantity, filled, cancelled, status
  FROM backorder.backorders ORDER BY id;
SELECT sku, on_hand, reserved, backordered FROM backorder.items ORDER BY sku;
SELECT * FROM backorder.check();

-- nothing open any more: 0, and no row
SELECT backorder.cancel_order('OL-o1') AS cancelled_again;
SELECT count(*) AS cancellation_rows FROM backorder.cancellations;
-- an unknown order
SELECT backorder.cancel_order('OL-nope');
