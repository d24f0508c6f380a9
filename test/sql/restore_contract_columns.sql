-- test/sql/restore_contract_columns.sql: a restore that names exactly the
-- contract's columns is a restore (SPEC.md, Schema: "Columns an
-- implementation adds beyond this file are its own business: no user
-- statement, restore or test may have to name them").  The engine's own
-- extra columns (backorders.ordered_at, events.claimed_at) are derived
-- when a restored row does not carry them.
\set VERBOSITY terse
SET TimeZone = 'UTC';
-- restored rows, as a superuser writing exactly SPEC's columns
INSERT INTO backorder.items (sku, policy, backorder_limit, lead_time, on_hand, reserved, backordered)
VALUES ('RS-1', 'allow', NULL, '14 days', 0, 0, 3);
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, priority, ordered_at,
                                   reserved, backordered, shipped, cancelled, status)
VALUES ('RS-o1', 1, 'RS-1', 3, 2, '2024-03-01 10:00:00+00', 0, 3, 0, 0, 'backordered');
INSERT INTO backorder.backorders (id, order_id, line_no, sku, quantity, filled, cancelled, priority,
                                 created_at, status, filled_at, expected_at)
OVERRIDING SYSTEM VALUE
VALUES (500, 'RS-o1', 1, 'RS-1', 3, 0, 0, 2, '2024-03-01 10:00:01+00', 'waiting', NULL, NULL);
INSERT INTO backorder.events (id, at, kind, order_id, line_no, sku, quantity, expected_at, detail)
OVERRIDING SYSTEM VALUE
VALUES (900, '2024-03-01 10:00:01+00', 'backordered', 'RS-o1', 1, 'RS-1', 3, NULL, NULL);
-- the extra columns come from the order line (and an event restored
-- without its claim is unclaimed)
SELECT id, order_id, line_no, ordered_at, status FROM backorder.backorders WHERE sku = 'RS-1';
SELECT id, kind, claimed_at FROM backorder.events WHERE sku = 'RS-1' ORDER BY id;
SELECT * FROM backorder.check();
-- and the engine goes on from there: the restored row is first in the queue
INSERT INTO backorder.receipts (sku, quantity) VALUES ('RS-1', 3);
SELECT id, filled, status FROM backorder.backorders WHERE sku = 'RS-1';
SELECT * FROM backorder.check();
-- a row with only some contract engine columns set is still refused
INSERT INTO backorder.backorders (order_id, line_no, sku, quantity)
VALUES ('RS-o1', 1, 'RS-1', 1);
