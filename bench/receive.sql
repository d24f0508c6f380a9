-- plpgsql, ext: receive 100 units of SKU :sku (pgbench -D sku=...), which
-- fill the next 100 one-unit backorders of its queue.
INSERT INTO backorder.receipts (sku, quantity) VALUES (:sku, 100);
