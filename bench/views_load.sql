-- bench/views_load.sql: the data of the `views` scenario (issue 11), for a
-- database with the extension: 2,000 items (V1..V2000), each with 100
-- waiting backorders of one unit (200,000 in all), an open purchase order
-- covering the first 50 of them (half the queue promised), and 100 filled
-- backorders of history each (200,000), whose lines hold their units
-- reserved, from a received purchase order.  Rows go in as a restore
-- writes them (session_replication_role = replica); the numbers are
-- consistent, so backorder.check() reports nothing.
\set ON_ERROR_STOP on
-- items through the engine (it fills in every engine column), then their
-- numbers as a restore would write them
INSERT INTO backorder.items (sku, lead_time)
SELECT 'V' || g, make_interval(days => 7 + g % 24) FROM generate_series(1, 2000) g;
SET session_replication_role = replica;
UPDATE backorder.items SET on_hand = 100, reserved = 100, backordered = 100 WHERE sku LIKE 'V%';

-- supply: a received purchase order (history) and an open one per item
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, ordered_at, expected_at,
                                       received, status)
SELECT 'PO-H', 'V' || g, 100, timestamptz '2026-01-01', timestamptz '2026-01-15', 100, 'closed'
  FROM generate_series(1, 2000) g
UNION ALL
SELECT 'PO-O', 'V' || g, 50, timestamptz '2026-06-01', timestamptz '2030-01-01' + g * interval '1 hour', 0, 'open'
  FROM generate_series(1, 2000) g;
INSERT INTO backorder.receipts (sku, quantity, received_at, purchase_order_id, allocated, on_hand_after)
SELECT 'V' || g, 100, timestamptz '2026-01-10' + (g % 10) * interval '1 day', 'PO-H', 100, 100
  FROM generate_series(1, 2000) g;

-- history: 100 filled lines per item (units reserved, not shipped)
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, priority, ordered_at,
                                   reserved, backordered, shipped, cancelled, status)
SELECT 'h' || g || '-' || k, 1, 'V' || g, 1, 0, timestamptz '2026-01-01' + k * interval '1 minute',
       1, 0, 0, 0, 'reserved'
  FROM generate_series(1, 2000) g, generate_series(1, 100) k;
INSERT INTO backorder.backorders (order_id, line_no, sku, quantity, filled, cancelled, priority,
                                  created_at, status, filled_at, ordered_at)
SELECT 'h' || g || '-' || k, 1, 'V' || g, 1, 1, 0, 0, timestamptz '2026-01-01' + k * interval '1 minute',
       'filled', timestamptz '2026-01-10' + (g % 10) * interval '1 day',
       timestamptz '2026-01-01' + k * interval '1 minute'
  FROM generate_series(1, 2000) g, generate_series(1, 100) k;

-- the queue: 100 waiting lines per item, the first 50 promised by PO-O
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, priority, ordered_at,
                                   reserved, backordered, shipped, cancelled, status)
SELECT 'w' || g || '-' || k, 1, 'V' || g, 1, 0, now() - interval '30 days' + k * interval '1 minute',
       0, 1, 0, 0, 'backordered'
  FROM generate_series(1, 2000) g, generate_series(1, 100) k;
INSERT INTO backorder.backorders (order_id, line_no, sku, quantity, filled, cancelled, priority,
                                  created_at, status, expected_at, ordered_at)
SELECT 'w' || g || '-' || k, 1, 'V' || g, 1, 0, 0, 0, now() - interval '30 days' + k * interval '1 minute',
       'waiting', CASE WHEN k <= 50 THEN timestamptz '2030-01-01' + g * interval '1 hour' END,
       now() - interval '30 days' + k * interval '1 minute'
  FROM generate_series(1, 2000) g, generate_series(1, 100) k;
RESET session_replication_role;
VACUUM ANALYZE;
