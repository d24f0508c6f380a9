-- plpgsql, ext: place one line on the SKU without stock that already has
-- 20,000 (and more) waiting: backordered behind a long queue.
\set q random(1, 5)
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity)
VALUES ('o' || nextval('public.bench_order_seq'), 1, 'L20K', :q);
