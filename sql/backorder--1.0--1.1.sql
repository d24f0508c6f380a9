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

-- the holds table, its triggers, place_order with a hold_id, release_hold,
-- expire_holds (as sql/holds.sql)
-- One row per (cart, sku).  held and status are engine columns.
CREATE TABLE @extschema@.holds (
    hold_id         text NOT NULL
                    CONSTRAINT holds_hold_id_length
                    CHECK (pg_catalog.char_length(hold_id) OPERATOR(pg_catalog.>=) 1
                           AND pg_catalog.char_length(hold_id) OPERATOR(pg_catalog.<=) 200),
    sku             text NOT NULL REFERENCES @extschema@.items (sku),
    quantity        bigint NOT NULL CONSTRAINT holds_quantity_check
                    CHECK (quantity OPERATOR(pg_catalog.>) 0),
    expires_at      timestamptz NOT NULL
                    DEFAULT pg_catalog.now() OPERATOR(pg_catalog.+) '00:15:00'::interval,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    held            bigint NOT NULL,
    status          text NOT NULL CONSTRAINT holds_status_check
                    CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['active', 'released', 'expired', 'converted'])),
    PRIMARY KEY (hold_id, sku),
    -- (a bad quantity is holds_quantity_check's to report)
    CONSTRAINT holds_held_check
        CHECK (quantity OPERATOR(pg_catalog.<=) 0
               OR held OPERATOR(pg_catalog.>=) 0 AND held OPERATOR(pg_catalog.<=) quantity
                  AND (status OPERATOR(pg_catalog.=) 'active' OR held OPERATOR(pg_catalog.=) 0))
);
-- the active holds of a sku by expiry: lazy expiry, expire_holds, breaking
CREATE INDEX holds_active_idx ON @extschema@.holds (sku, expires_at)
    WHERE status OPERATOR(pg_catalog.=) 'active';
COMMENT ON TABLE @extschema@.holds IS
  'Cart holds: available units kept aside for a checking-out cart until expires_at';
COMMENT ON COLUMN @extschema@.holds.hold_id IS 'the cart';
COMMENT ON COLUMN @extschema@.holds.sku IS 'the item held';
COMMENT ON COLUMN @extschema@.holds.quantity IS 'units the cart asks for';
COMMENT ON COLUMN @extschema@.holds.created_at IS 'when the hold was made (or made again after it ended)';
COMMENT ON COLUMN @extschema@.holds.expires_at IS 'after it the hold holds nothing: the engine expires it';
COMMENT ON COLUMN @extschema@.holds.held IS 'engine: units held now (at most quantity)';
COMMENT ON COLUMN @extschema@.holds.status IS 'engine: active, then released, expired or converted';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.holds', '');

CREATE FUNCTION @extschema@.tg_hold_insert() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_hold_insert' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.tg_hold_insert() IS
  'engine: BEFORE INSERT on holds: holds min(quantity, available)';
CREATE FUNCTION @extschema@.tg_hold_update() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_hold_update' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.tg_hold_update() IS
  'engine: BEFORE UPDATE on holds: quantity and expires_at of an active hold';

CREATE TRIGGER holds_insert BEFORE INSERT ON @extschema@.holds
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_hold_insert();
CREATE TRIGGER holds_update BEFORE UPDATE ON @extschema@.holds
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_hold_update();
CREATE TRIGGER holds_delete BEFORE DELETE ON @extschema@.holds
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('holds end by release_hold, expiry or an order, they are not deleted');

CREATE FUNCTION @extschema@.place_order(order_id text, lines jsonb, hold_id text)
    RETURNS SETOF @extschema@.order_lines
    AS 'MODULE_PATHNAME', 'backorder_place_order_hold' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.place_order(text, jsonb, text) IS
  'place_order converting the cart''s holds: its held units are reserved first; every active hold of the cart ends';

CREATE FUNCTION @extschema@.release_hold(hold_id text)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'backorder_release_hold' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.release_hold(text) IS
  'Releases every active hold of the cart; returns the units released';

CREATE FUNCTION @extschema@.expire_holds()
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'backorder_expire_holds' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.expire_holds() IS
  'Expires every due hold of every sku; returns the units freed (run it every minute, e.g. from pg_cron)';
REVOKE ALL ON TABLE @extschema@.holds FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.tg_hold_insert() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.tg_hold_update() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.place_order(text, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.release_hold(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.expire_holds() FROM PUBLIC;

-- check(): held = the sum of the active holds' held, reserved + held <=
-- on_hand, each hold 0 <= held <= quantity and held 0 unless active
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
held_by_sku AS (
    SELECT h.sku, sum(h.held) AS held
      FROM @extschema@.holds h WHERE h.status = 'active'
     GROUP BY h.sku),
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
           COALESCE(hs.held, 0) AS holds_held,
           COALESCE(ls.backordered, 0) AS lines_backordered,
           COALESCE((SELECT sum(b.quantity - b.filled - b.cancelled) FROM @extschema@.backorders b
                      WHERE b.sku = i.sku AND b.status = 'waiting'), 0) AS queue_waiting
      FROM @extschema@.items i
      LEFT JOIN line_sums ls ON ls.sku = i.sku
      LEFT JOIN shipped_by_sku sh ON sh.sku = i.sku
      LEFT JOIN held_by_sku hs ON hs.sku = i.sku),
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
SELECT sku, format('held %s differs from the sum of its active holds'' held = %s', held, holds_held)
  FROM stock WHERE held <> holds_held
UNION ALL
SELECT sku, format('reserved %s + held %s exceeds on_hand %s', reserved, held, on_hand)
  FROM stock WHERE reserved <= on_hand AND reserved + held > on_hand
UNION ALL
SELECT h.sku, format('hold %s: held %s is not between 0 and its quantity %s', h.hold_id, h.held, h.quantity)
  FROM @extschema@.holds h WHERE h.held < 0 OR h.held > h.quantity
UNION ALL
SELECT h.sku, format('hold %s: held %s while %s (only an active hold holds units)', h.hold_id, h.held, h.status)
  FROM @extschema@.holds h WHERE h.status <> 'active' AND h.held <> 0
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
