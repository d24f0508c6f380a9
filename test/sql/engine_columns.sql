-- Engine columns: left out on INSERT and filled by the engine; a role that
-- supplies one gets BO006; a restore (all NOT NULL engine columns set, by a
-- superuser or the owner) is stored as it is and applied to nothing.
-- Ledgers are append-only; backorders and events are the engine's alone.
\set VERBOSITY terse
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

INSERT INTO backorder.items (sku) VALUES ('G-1');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('G-1', 2);
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity) VALUES ('g1', 1, 'G-1', 3);

-- some engine columns supplied: refused
SELECT pg_temp.err($$INSERT INTO backorder.items (sku, on_hand) VALUES ('G-2', 5)$$);
SELECT pg_temp.err($$INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, reserved) VALUES ('g2', 1, 'G-1', 1, 1)$$);
SELECT pg_temp.err($$INSERT INTO backorder.receipts (sku, quantity, allocated) VALUES ('G-1', 1, 0)$$);
SELECT pg_temp.err($$INSERT INTO backorder.cancellations (order_id, line_no, quantity, waiting_cancelled) VALUES ('g1', 1, 1, 1)$$);
SELECT pg_temp.err($$INSERT INTO backorder.adjustments (sku, delta, reason, allocated, taken_back) VALUES ('G-1', 1, 'x', 0, 0)$$);
SELECT pg_temp.err($$INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at, status) VALUES ('GP', 'G-1', 1, now(), 'closed')$$);
SELECT pg_temp.err($$INSERT INTO backorder.backorders (order_id, line_no, sku, quantity) VALUES ('g1', 1, 'G-1', 1)$$);
SELECT pg_temp.err($$INSERT INTO backorder.events (kind, order_id, line_no, sku, quantity) VALUES ('cancelled', 'g1', 1, 'G-1', 1)$$);

-- updates of engine columns, and of anything users may not change
SELECT pg_temp.err($$UPDATE backorder.items SET on_hand = on_hand WHERE sku = 'G-1'$$);
SELECT pg_temp.err($$UPDATE backorder.items SET reserved = 0 WHERE sku = 'G-1'$$);
SELECT pg_temp.err($$UPDATE backorder.items SET sku = 'G-9' WHERE sku = 'G-1'$$);
-- the guard is a statement trigger: naming an engine column in SET is
-- refused whether or not a row matches, and the columns users may set pass
SELECT pg_temp.err($$UPDATE backorder.items SET backordered = 0 WHERE sku = 'no such sku'$$);
SELECT pg_temp.err($$UPDATE backorder.order_lines SET reserved = 0 WHERE false$$);
UPDATE backorder.items SET lead_time = '9 days', policy = 'allow' WHERE sku = 'G-1' RETURNING sku, lead_time, on_hand;
SELECT pg_temp.err($$UPDATE backorder.order_lines SET quantity = 5 WHERE order_id = 'g1'$$);
SELECT pg_temp.err($$UPDATE backorder.order_lines SET status = 'shipped' WHERE order_id = 'g1'$$);
SELECT pg_temp.err($$UPDATE backorder.order_lines SET ordered_at = now() WHERE order_id = 'g1'$$);
SELECT pg_temp.err($$DELETE FROM backorder.order_lines WHERE order_id = 'g1'$$);
SELECT pg_temp.err($$UPDATE backorder.backorders SET priority = 1$$);
SELECT pg_temp.err($$DELETE FROM backorder.backorders$$);
SELECT pg_temp.err($$UPDATE backorder.receipts SET reference = 'x'$$);
SELECT pg_temp.err($$DELETE FROM backorder.receipts$$);
SELECT pg_temp.err($$UPDATE backorder.shipments SET quantity = 1$$);
SELECT pg_temp.err($$DELETE FROM backorder.cancellations$$);
SELECT pg_temp.err($$UPDATE backorder.adjustments SET reason = 'x'$$);
SELECT pg_temp.err($$UPDATE backorder.events SET claimed_at = now()$$);
SELECT pg_temp.err($$DELETE FROM backorder.events$$);
-- what users may change
UPDATE backorder.items SET policy = 'deny', backorder_limit = 10, lead_time = '3 days' WHERE sku = 'G-1';
UPDATE backorder.items SET policy = 'allow', backorder_limit = NULL WHERE sku = 'G-1';
UPDATE backorder.order_lines SET priority = 4 WHERE order_id = 'g1';
SELECT order_id, priority FROM backorder.backorders WHERE order_id = 'g1';
-- an item nothing refers to may be deleted; one in use may not
INSERT INTO backorder.items (sku) VALUES ('G-UNUSED');
DELETE FROM backorder.items WHERE sku = 'G-UNUSED';
SELECT pg_temp.err($$DELETE FROM backorder.items WHERE sku = 'G-1'$$);
SELECT sku, on_hand, reserved, backordered FROM backorder.items WHERE sku = 'G-1';

-- a restore: every NOT NULL engine column set, by a superuser: stored as is,
-- applied to nothing (rolled back at the end: these rows are not a
-- consistent history)
BEGIN;
INSERT INTO backorder.items (sku, on_hand, reserved, backordered) VALUES ('G-R', 7, 3, 2);
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, reserved, backordered, shipped, cancelled, status)
VALUES ('gr', 1, 'G-R', 5, 3, 2, 0, 0, 'backordered');
INSERT INTO backorder.backorders (order_id, line_no, sku, quantity, filled, cancelled, priority, created_at, status, ordered_at)
VALUES ('gr', 1, 'G-R', 2, 0, 0, 0, now(), 'waiting', now());
INSERT INTO backorder.receipts (sku, quantity, allocated, on_hand_after) VALUES ('G-R', 7, 3, 7);
INSERT INTO backorder.adjustments (sku, delta, reason, allocated, taken_back, on_hand_after) VALUES ('G-R', -1, 'restored', 0, 0, 6);
INSERT INTO backorder.shipments (order_id, line_no, quantity, on_hand_after) VALUES ('gr', 1, 1, 5);
INSERT INTO backorder.events (at, kind, order_id, line_no, sku, quantity) VALUES (now(), 'backordered', 'gr', 1, 'G-R', 2);
SELECT sku, on_hand, reserved, backordered FROM backorder.items WHERE sku = 'G-R';
SELECT order_id, reserved, backordered, status FROM backorder.order_lines WHERE sku = 'G-R';
SELECT count(*) AS backorder_rows FROM backorder.backorders WHERE sku = 'G-R';
SELECT kind, count(*) FROM backorder.events WHERE sku = 'G-R' GROUP BY kind;
ROLLBACK;

SELECT * FROM backorder.check();
