-- bare, bare_nofk: place one line on a random SKU without stock: the item's
-- backordered grows, the line is inserted backordered and a waiting row is
-- written (one statement; no promised date, no event).
\set n random(1, 10000)
\set q random(1, 5)
WITH i AS (UPDATE backorder.items SET backordered = backordered + :q
            WHERE sku = 'Z' || :n AND on_hand - reserved - held < :q RETURNING sku),
l AS (INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, reserved, backordered, shipped, cancelled, status)
      SELECT 'o' || nextval('public.bench_order_seq'), 1, i.sku, :q, 0, :q, 0, 0, 'backordered' FROM i
      RETURNING order_id, line_no, sku, ordered_at)
INSERT INTO backorder.backorders (order_id, line_no, sku, quantity, filled, cancelled, priority, created_at, status, ordered_at)
SELECT l.order_id, l.line_no, l.sku, :q, 0, 0, 0, now(), 'waiting', l.ordered_at FROM l;
