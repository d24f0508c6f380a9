-- backorder 1.0 -> 1.1 upgrade (ALTER EXTENSION backorder UPDATE TO '1.1').
-- Hand-written: every change the 1.1 sources (sql/schema.sql ... ) make to
-- what 1.0 installed, so that an upgraded database ends with exactly the
-- objects of a fresh CREATE EXTENSION backorder VERSION '1.1'
-- (test/scripts/upgrade.sh compares them).
\echo Use "ALTER EXTENSION backorder UPDATE TO '1.1'" to load this file. \quit

-- ==== cart holds (issue 16)
-- items: held (engine, starts at 0; a 1.0 row gets 0) and the internal
-- next_hold_expiry, both last as in a fresh install; reserved + held <= on_hand.
ALTER TABLE @extschema@.items ADD COLUMN held bigint NOT NULL DEFAULT 0;
ALTER TABLE @extschema@.items ALTER COLUMN held DROP DEFAULT;
ALTER TABLE @extschema@.items ADD COLUMN next_hold_expiry timestamptz;
ALTER TABLE @extschema@.items ADD CONSTRAINT items_held_check
        CHECK (held OPERATOR(pg_catalog.>=) 0
               AND reserved OPERATOR(pg_catalog.+) held OPERATOR(pg_catalog.<=) on_hand);
COMMENT ON COLUMN @extschema@.items.held IS 'engine: units of on-hand stock kept for carts by active holds';
COMMENT ON COLUMN @extschema@.items.next_hold_expiry IS
  'engine (internal): never later than the earliest expires_at of the item''s active holds, NULL when it has none; lets an order skip the expiry check';
DROP TRIGGER items_engine_columns ON @extschema@.items;
CREATE TRIGGER items_engine_columns BEFORE UPDATE OF sku, on_hand, reserved, backordered, held, next_hold_expiry ON @extschema@.items
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_forbid('users may update policy, backorder_limit and lead_time only');

-- available = on hand - reserved - held; held appended last
CREATE OR REPLACE VIEW @extschema@.stock_levels AS
SELECT i.sku,
       i.policy,
       i.on_hand,
       i.reserved,
       i.on_hand OPERATOR(pg_catalog.-) i.reserved OPERATOR(pg_catalog.-) i.held AS available,
       i.backordered,
       COALESCE(s.incoming, 0)::bigint AS incoming,
       (i.on_hand OPERATOR(pg_catalog.-) i.reserved OPERATOR(pg_catalog.-) i.held
        OPERATOR(pg_catalog.+) COALESCE(s.incoming, 0)::bigint
        OPERATOR(pg_catalog.-) i.backordered) AS projected,
       s.next_expected_at,
       i.held
  FROM @extschema@.items i
  LEFT JOIN LATERAL (
        SELECT pg_catalog.sum(p.quantity OPERATOR(pg_catalog.-) p.received) AS incoming,
               pg_catalog.min(p.expected_at) AS next_expected_at
          FROM @extschema@.purchase_orders p
         WHERE p.sku OPERATOR(pg_catalog.=) i.sku
           AND p.status OPERATOR(pg_catalog.=) 'open'
           AND p.quantity OPERATOR(pg_catalog.>) p.received) s ON true;
COMMENT ON VIEW @extschema@.stock_levels IS
  'Per item: on hand, reserved, available (on hand - reserved - held), backordered, incoming from open purchase orders, projected, next expected date and units held for carts';

CREATE OR REPLACE FUNCTION @extschema@.check()
RETURNS TABLE (sku text, problem text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH line_sums AS (
    SELECT l.sku,
           sum(l.reserved) AS reserved,
           sum(l.backordered) AS backordered
      FROM @extschema@.order_lines l
     GROUP BY l.sku),
shipped_by_line AS (
    SELECT s.order_id, s.line_no, sum(s.quantity) AS quantity
      FROM @extschema@.shipments s GROUP BY s.order_id, s.line_no),
cancelled_by_line AS (
    SELECT c.order_id, c.line_no, sum(c.quantity) AS quantity
      FROM @extschema@.cancellations c GROUP BY c.order_id, c.line_no),
waiting_by_line AS (
    SELECT b.order_id, b.line_no,
           sum(b.quantity - b.filled - b.cancelled) AS waiting,
           count(*) AS rows
      FROM @extschema@.backorders b WHERE b.status = 'waiting'
     GROUP BY b.order_id, b.line_no),
shipped_by_sku AS (
    SELECT l.sku, sum(s.quantity) AS quantity
      FROM shipped_by_line s
      JOIN @extschema@.order_lines l ON l.order_id = s.order_id AND l.line_no = s.line_no
     GROUP BY l.sku),
stock AS (
    SELECT i.sku, i.on_hand, i.reserved, i.backordered, i.held,
           COALESCE((SELECT sum(r.quantity) FROM @extschema@.receipts r WHERE r.sku = i.sku), 0)
         + COALESCE((SELECT sum(a.delta) FROM @extschema@.adjustments a WHERE a.sku = i.sku), 0)
         - COALESCE(sh.quantity, 0) AS ledger_on_hand,
           COALESCE(ls.reserved, 0) AS lines_reserved,
           COALESCE(ls.backordered, 0) AS lines_backordered,
           COALESCE((SELECT sum(b.quantity - b.filled - b.cancelled) FROM @extschema@.backorders b
                      WHERE b.sku = i.sku AND b.status = 'waiting'), 0) AS queue_waiting
      FROM @extschema@.items i
      LEFT JOIN line_sums ls ON ls.sku = i.sku
      LEFT JOIN shipped_by_sku sh ON sh.sku = i.sku),
lines AS (
    SELECT l.*, COALESCE(s.quantity, 0) AS ledger_shipped,
           COALESCE(c.quantity, 0) AS ledger_cancelled,
           COALESCE(w.waiting, 0) AS queue_waiting,
           COALESCE(w.rows, 0) AS waiting_rows,
           CASE WHEN l.cancelled = l.quantity THEN 'cancelled'
                WHEN l.shipped + l.cancelled = l.quantity THEN 'shipped'
                WHEN l.backordered > 0 THEN 'backordered'
                ELSE 'reserved' END AS expected_status
      FROM @extschema@.order_lines l
      LEFT JOIN shipped_by_line s ON s.order_id = l.order_id AND s.line_no = l.line_no
      LEFT JOIN cancelled_by_line c ON c.order_id = l.order_id AND c.line_no = l.line_no
      LEFT JOIN waiting_by_line w ON w.order_id = l.order_id AND w.line_no = l.line_no)
SELECT sku, format('on_hand %s differs from receipts + adjustments - shipments = %s', on_hand, ledger_on_hand)
  FROM stock WHERE on_hand <> ledger_on_hand
UNION ALL
SELECT sku, format('on_hand %s is negative', on_hand) FROM stock WHERE on_hand < 0
UNION ALL
SELECT sku, format('reserved %s differs from the sum of its lines'' reserved = %s', reserved, lines_reserved)
  FROM stock WHERE reserved <> lines_reserved
UNION ALL
SELECT sku, format('reserved %s exceeds on_hand %s', reserved, on_hand) FROM stock WHERE reserved > on_hand
UNION ALL
SELECT sku, format('reserved %s + held %s exceeds on_hand %s', reserved, held, on_hand)
  FROM stock WHERE reserved <= on_hand AND reserved + held > on_hand
UNION ALL
SELECT sku, format('backordered %s differs from the waiting units of its backorders = %s', backordered, queue_waiting)
  FROM stock WHERE backordered <> queue_waiting
UNION ALL
SELECT sku, format('backordered %s differs from the sum of its lines'' backordered = %s', backordered, lines_backordered)
  FROM stock WHERE backordered <> lines_backordered
UNION ALL
SELECT sku, format('available %s while %s units are backordered', on_hand - reserved - held, backordered)
  FROM stock WHERE on_hand - reserved - held > 0 AND backordered > 0
UNION ALL
SELECT sku, format('order %s line %s: quantity %s <> reserved %s + backordered %s + shipped %s + cancelled %s',
                   order_id, line_no, quantity, reserved, backordered, shipped, cancelled)
  FROM lines WHERE quantity <> reserved + backordered + shipped + cancelled
UNION ALL
SELECT sku, format('order %s line %s: shipped %s differs from its shipments = %s',
                   order_id, line_no, shipped, ledger_shipped)
  FROM lines WHERE shipped <> ledger_shipped
UNION ALL
SELECT sku, format('order %s line %s: cancelled %s differs from its cancellations = %s',
                   order_id, line_no, cancelled, ledger_cancelled)
  FROM lines WHERE cancelled <> ledger_cancelled
UNION ALL
SELECT sku, format('order %s line %s: backordered %s differs from the waiting units of its backorders = %s',
                   order_id, line_no, backordered, queue_waiting)
  FROM lines WHERE backordered <> queue_waiting
UNION ALL
SELECT sku, format('order %s line %s: %s waiting backorder rows, at most 1 allowed', order_id, line_no, waiting_rows)
  FROM lines WHERE waiting_rows > 1
UNION ALL
SELECT sku, format('order %s line %s: status %s, the numbers say %s', order_id, line_no, status, expected_status)
  FROM lines WHERE status <> expected_status
$$;
