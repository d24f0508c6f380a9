-- bare: place one line on a random in-stock SKU (one statement: a
-- conditional UPDATE of the item and the INSERT of the line).
\set n random(1, 10000)
\set q random(1, 5)
WITH r AS (UPDATE backorder.items SET reserved = reserved + :q
            WHERE sku = 'S' || :n AND on_hand - reserved - held >= :q RETURNING sku)
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, reserved, backordered, shipped, cancelled, status)
SELECT 'o' || nextval('public.bench_order_seq'), 1, r.sku, :q, :q, 0, 0, 0, 'reserved' FROM r;
