-- plpgsql, ext: receive 100 units of SKU :sku against its open purchase
-- order PO-P, which covers the whole queue: they fill the next 100 one-unit
-- backorders, and the rest of the queue keeps its promised date.
INSERT INTO backorder.receipts (sku, quantity, purchase_order_id) VALUES (:sku, 100, 'PO-P');
