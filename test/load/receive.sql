-- test/load/receive.sql: goods received for one SKU; half of the time
-- against an open purchase-order line of that SKU when there is one.
\set s (case when random(1, 100) <= 60 then random(1, 4) else random(5, 204) end)
\set q random(1, 12)
\set withpo random(0, 1)
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id, reference)
SELECT 'LD-' || :s, :q,
       (SELECT po.purchase_order_id FROM backorder.purchase_orders po
         WHERE po.sku = 'LD-' || :s AND po.status = 'open' AND :withpo = 1
         LIMIT 1),
       'load';
