-- plpgsql, ext: place one line on a random SKU without stock: every line
-- is backordered (backorder row, promised date, event).
\set n random(1, 10000)
\set q random(1, 5)
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity)
VALUES ('o' || nextval('public.bench_order_seq'), 1, 'Z' || :n, :q);
