-- test/scripts/shop_history.sql: a shop's history through every path of
-- the 1.0 contract (items, purchase orders, receipts, orders with
-- priorities, shipments, cancellations, adjustments, a PO moved and one
-- cancelled), then :bulk more orders with receipts, counts and whole-order
-- cancellations now and then.  Used by upgrade.sh (on 1.0 objects) and
-- dump_restore.sh:  psql -v bulk=N -f test/scripts/shop_history.sql
SELECT pg_catalog.set_config('shop_history.bulk', :'bulk', false);
INSERT INTO backorder.items (sku, backorder_limit, lead_time) VALUES
  ('A', NULL, '10 days'), ('B', 500, '5 days'), ('C', NULL, '1 day');
INSERT INTO backorder.items (sku, policy) VALUES ('D', 'deny');
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, ordered_at, expected_at) VALUES
  ('P1', 'A', 30, '2030-01-01 00:00+00', '2031-01-10 00:00+00'),
  ('P2', 'A', 5, '2030-01-01 00:00+00', '2031-01-05 00:00+00'),
  ('P1', 'B', 20, '2030-01-01 00:00+00', '2031-02-01 00:00+00'),
  ('P3', 'C', 4, '2030-01-01 00:00+00', '2031-03-01 00:00+00'),
  ('P4', 'C', 2, '2030-01-01 00:00+00', '2031-03-02 00:00+00');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('A', 4), ('D', 10);
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id, reference) VALUES ('B', 3, 'P1', 'first');
SELECT count(*) FROM backorder.place_order('o1',
  '[{"line_no": 1, "sku": "A", "quantity": 6, "ordered_at": "2030-01-01T10:00:00Z"},
    {"line_no": 2, "sku": "B", "quantity": 5, "ordered_at": "2030-01-01T10:00:00Z"},
    {"line_no": 3, "sku": "D", "quantity": 3}]');
SELECT count(*) FROM backorder.place_order('o2',
  '[{"line_no": 1, "sku": "A", "quantity": 8, "priority": 2, "ordered_at": "2030-01-02T10:00:00Z"}]');
SELECT count(*) FROM backorder.place_order('o3',
  '[{"line_no": 1, "sku": "C", "quantity": 3}, {"line_no": 2, "sku": "A", "quantity": 1}]');
UPDATE backorder.order_lines SET priority = 1 WHERE order_id = 'o3' AND line_no = 2;
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('A', 5, 'P2');
INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('o1', 3, 3), ('o1', 1, 2);
INSERT INTO backorder.cancellations (order_id, line_no, quantity, reason) VALUES ('o1', 2, 1, 'partial');
INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('o3', 1, NULL);
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('A', -3, 'damaged'), ('C', 1, 'found');
UPDATE backorder.purchase_orders SET expected_at = '2031-01-08 00:00+00' WHERE purchase_order_id = 'P1' AND sku = 'A';
UPDATE backorder.purchase_orders SET status = 'cancelled' WHERE purchase_order_id = 'P3';
DO $$
BEGIN
  FOR i IN 1..current_setting('shop_history.bulk')::int LOOP
    PERFORM backorder.place_order('bulk-' || i, jsonb_build_array(
      jsonb_build_object('line_no', 1, 'sku', (ARRAY['A', 'B', 'C'])[1 + i % 3], 'quantity', 1 + i % 4,
                         'priority', i % 3, 'ordered_at', '2030-02-01 00:00+00'::timestamptz + i * interval '7 minutes'),
      jsonb_build_object('line_no', 2, 'sku', (ARRAY['C', 'A', 'B'])[1 + i % 3], 'quantity', 1 + i % 2)));
    IF i % 10 = 0 THEN
      INSERT INTO backorder.receipts (sku, quantity) VALUES ((ARRAY['A', 'B', 'C'])[1 + i % 3], 9);
    END IF;
    IF i % 25 = 0 THEN
      INSERT INTO backorder.adjustments (sku, delta, reason)
        SELECT sku, -least(on_hand, 3), 'count' FROM backorder.items WHERE sku = 'A' AND on_hand > 0;
      PERFORM backorder.cancel_order('bulk-' || (i - 5), 'changed their mind');
    END IF;
  END LOOP;
END $$;
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES ('C', 2, 'P4');
