-- test/load/setup.sql: the catalogue the load scripts work on (run once, by
-- test/scripts/load.sh and crash.sh, in a database of their own).
-- SKUs LD-1 .. LD-4 are hot (most demand lands on them), LD-5 .. LD-204 cold.
-- LD-4 and every tenth cold SKU refuse orders beyond stock (policy deny:
-- BO001); LD-3 lets at most 40 units wait (BO002).
INSERT INTO backorder.items (sku, policy, backorder_limit)
SELECT 'LD-' || i,
       CASE WHEN i = 4 OR (i > 4 AND i % 10 = 0) THEN 'deny' ELSE 'allow' END::backorder.policy,
       CASE WHEN i = 3 THEN 40 END
  FROM generate_series(1, 204) i;
-- opening stock: 20 of each hot SKU, 5 of each cold one
INSERT INTO backorder.receipts (sku, quantity, reference)
SELECT 'LD-' || i, CASE WHEN i <= 4 THEN 20 ELSE 5 END, 'opening stock'
  FROM generate_series(1, 204) i;
-- one open purchase-order line per hot SKU
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
SELECT 'PO-open-' || i, 'LD-' || i, 50, now() + interval '7 days'
  FROM generate_series(1, 4) i;
