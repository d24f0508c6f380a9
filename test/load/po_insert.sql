-- test/load/po_insert.sql: a new purchase-order line for one SKU, expected
-- in 1 to 20 days.
\set s (case when random(1, 100) <= 60 then random(1, 4) else random(5, 204) end)
\set q random(5, 30)
\set days random(1, 20)
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
VALUES ('po' || :client_id || '-' || txid_current(), 'LD-' || :s, :q, now() + :days * interval '1 day');
