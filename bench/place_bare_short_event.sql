-- bare: the floor of a backordered placement that does what SPEC requires
-- of it besides the rows of bench/place_bare_short.sql: the `backordered`
-- event (no promised date: nothing is incoming for the Z items) and NOTIFY
-- backorder_events, in the same one statement.  No trigger, no promised-date
-- probe.
\set n random(1, 10000)
\set q random(1, 5)
WITH i AS (UPDATE backorder.items SET backordered = backordered + :q
            WHERE sku = 'Z' || :n AND on_hand - reserved - held < :q RETURNING sku),
l AS (INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, reserved, backordered, shipped, cancelled, status)
      SELECT 'o' || nextval('public.bench_order_seq'), 1, i.sku, :q, 0, :q, 0, 0, 'backordered' FROM i
      RETURNING order_id, line_no, sku, ordered_at),
b AS (INSERT INTO backorder.backorders (order_id, line_no, sku, quantity, filled, cancelled, priority, created_at, status, ordered_at)
      SELECT l.order_id, l.line_no, l.sku, :q, 0, 0, 0, now(), 'waiting', l.ordered_at FROM l)
INSERT INTO backorder.events (at, kind, order_id, line_no, sku, quantity)
SELECT now(), 'backordered', l.order_id, l.line_no, l.sku, :q
  FROM l CROSS JOIN (SELECT pg_notify('backorder_events', NULL)) n;
