-- bare: the floor of placement with sales channels.  Place one line on a
-- random in-stock SKU and do the feed's work in the same statement: the
-- item's availability_changed event ({"old", "new"}) and NOTIFY
-- backorder_events, as SPEC requires of every transaction that writes an
-- event.  No trigger, no deferred firing, no check for a channel.
\set n random(1, 10000)
\set q random(1, 5)
WITH r AS (UPDATE backorder.items SET reserved = reserved + :q
            WHERE sku = 'S' || :n AND on_hand - reserved - held >= :q
            RETURNING sku, on_hand - reserved - held AS available),
e AS (INSERT INTO backorder.events (at, kind, sku, quantity, detail)
      SELECT now(), 'availability_changed', r.sku, r.available,
             jsonb_build_object('old', r.available + :q, 'new', r.available)
        FROM r)
INSERT INTO backorder.order_lines (order_id, line_no, sku, quantity, reserved, backordered, shipped, cancelled, status)
SELECT 'o' || nextval('public.bench_order_seq'), 1, r.sku, :q, :q, 0, 0, 0, 'reserved'
  FROM r CROSS JOIN (SELECT pg_notify('backorder_events', NULL)) n;
