-- plpgsql, ext: place one line on the one hot SKU.
\set q random(1, 5)
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity)
VALUES ('o' || nextval('public.bench_order_seq'), 1, 'HOT', :q);
