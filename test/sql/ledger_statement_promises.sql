-- test/sql/ledger_statement_promises.sql: receipts, cancellations and
-- adjustments recompute promised dates once, at the end of their statement
-- (after its last row lock, so that no statement holds the promise lock
-- while it waits for an order line).  A multi-row statement ends with the
-- dates of SPEC's rule, and the `backordered` events of its negative
-- adjustments carry the rows' dates after the statement.
\set VERBOSITY terse
SET TimeZone = 'UTC';
INSERT INTO backorder.items (sku) VALUES ('SP-1');
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
VALUES ('SP-po1', 'SP-1', 2, '2030-01-10 00:00:00+00'),
       ('SP-po2', 'SP-1', 5, '2030-02-01 00:00:00+00');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('SP-1', 3);
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, ordered_at)
VALUES ('SP-o1', 1, 'SP-1', 2, '2024-01-01 00:00:00+00'),
       ('SP-o2', 1, 'SP-1', 1, '2024-01-02 00:00:00+00'),
       ('SP-o3', 1, 'SP-1', 2, '2024-01-03 00:00:00+00');
SELECT max(id) AS ev0 FROM backorder.events \gset
-- two negative adjustments in one statement: 2 units taken back, in
-- reverse fill order (SP-o2's unit, then one of SP-o1's)
INSERT INTO backorder.adjustments (sku, delta, reason)
VALUES ('SP-1', -1, 'damaged'), ('SP-1', -1, 'lost')
RETURNING delta, allocated, taken_back, on_hand_after;
SELECT kind, order_id, quantity, expected_at, detail
  FROM backorder.events WHERE id > :ev0 ORDER BY id;
SELECT order_id, quantity, filled, status, expected_at
  FROM backorder.backorders WHERE sku = 'SP-1' ORDER BY id;
SELECT max(id) AS ev1 FROM backorder.events \gset
-- two receipts in one statement fill the queue in fill order; the row
-- that stays waiting gets one eta_changed event, at the end
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id)
VALUES ('SP-1', 1, 'SP-po1'), ('SP-1', 1, 'SP-po1')
RETURNING quantity, allocated, on_hand_after;
SELECT kind, order_id, quantity, expected_at, detail
  FROM backorder.events WHERE id > :ev1 ORDER BY id;
SELECT order_id, quantity, filled, status, expected_at
  FROM backorder.backorders WHERE sku = 'SP-1' ORDER BY id;
-- two cancellations in one statement
SELECT max(id) AS ev2 FROM backorder.events \gset
INSERT INTO backorder.cancellations (order_id, line_no, quantity)
VALUES ('SP-o1', 1, NULL), ('SP-o3', 1, 1)
RETURNING order_id, quantity, waiting_cancelled, reserved_cancelled;
SELECT kind, order_id, quantity, expected_at, detail
  FROM backorder.events WHERE id > :ev2 ORDER BY id;
SELECT order_id, quantity, filled, cancelled, status, expected_at
  FROM backorder.backorders WHERE sku = 'SP-1' ORDER BY id;
SELECT * FROM backorder.check();
