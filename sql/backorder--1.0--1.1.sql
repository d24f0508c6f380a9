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

-- ==== channels (issue 12)
-- events: availability_changed events name no order line (order_id and
-- line_no NULL), and the kind CHECK gains the kind.
ALTER TABLE @extschema@.events ALTER COLUMN order_id DROP NOT NULL,
                               ALTER COLUMN line_no DROP NOT NULL;
ALTER TABLE @extschema@.events DROP CONSTRAINT events_kind_check;
ALTER TABLE @extschema@.events ADD CONSTRAINT events_kind_check
                    CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['backordered', 'allocated', 'eta_changed', 'cancelled',
                                                    'availability_changed']));
CREATE TABLE @extschema@.channels (
    channel         text PRIMARY KEY
                    CONSTRAINT channels_channel_length
                    CHECK (pg_catalog.char_length(channel) OPERATOR(pg_catalog.>=) 1
                           AND pg_catalog.char_length(channel) OPERATOR(pg_catalog.<=) 100),
    buffer          bigint NOT NULL DEFAULT 0
                    CONSTRAINT channels_buffer_check CHECK (buffer OPERATOR(pg_catalog.>=) 0),
    share           numeric NOT NULL DEFAULT 1
                    CONSTRAINT channels_share_check
                    CHECK (share OPERATOR(pg_catalog.>) 0 AND share OPERATOR(pg_catalog.<=) 1),
    backorders      boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.channels IS
  'Sales channels (web shop, marketplaces): how much of each item''s available stock each may offer';
COMMENT ON COLUMN @extschema@.channels.channel IS 'the channel''s name, 1 to 100 characters';
COMMENT ON COLUMN @extschema@.channels.buffer IS 'units never offered on this channel (>= 0)';
COMMENT ON COLUMN @extschema@.channels.share IS 'part of available offered on this channel (0 < share <= 1)';
COMMENT ON COLUMN @extschema@.channels.backorders IS
  'the channel takes orders beyond stock for allow items (orderable when nothing is published)';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.channels', '');

CREATE FUNCTION @extschema@.tg_channels_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_channels_changed' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_availability_note() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_availability_note' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_availability_feed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_availability_feed' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.tg_channels_changed() IS
  'Trigger: enables the availability feed''s item triggers while a channel exists, disables them when none is left';
COMMENT ON FUNCTION @extschema@.tg_availability_note() IS
  'Trigger: notes an item''s available before the transaction first changed it';
COMMENT ON FUNCTION @extschema@.tg_availability_feed() IS
  'Deferred trigger: writes the transaction''s availability_changed events at commit, in sku order';

-- channels: users insert, update and delete freely, but the name is the key
CREATE TRIGGER channels_key BEFORE UPDATE OF channel ON @extschema@.channels
    FOR EACH ROW WHEN (OLD.channel IS DISTINCT FROM NEW.channel)
    EXECUTE FUNCTION @extschema@.tg_forbid('a channel keeps its name: insert the new channel and delete the old one');
CREATE TRIGGER channels_feed AFTER INSERT OR DELETE ON @extschema@.channels
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_channels_changed();
CREATE TRIGGER channels_truncate BEFORE TRUNCATE ON @extschema@.channels
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');

-- items: the feed.  items_availability notes each item's available before
-- the transaction first changed it; items_availability_feed (deferred to
-- commit) writes the availability_changed events.
CREATE TRIGGER items_availability AFTER UPDATE OF on_hand, reserved, held ON @extschema@.items
    FOR EACH ROW
    WHEN ((OLD.on_hand OPERATOR(pg_catalog.-) OLD.reserved OPERATOR(pg_catalog.-) OLD.held)
          IS DISTINCT FROM (NEW.on_hand OPERATOR(pg_catalog.-) NEW.reserved OPERATOR(pg_catalog.-) NEW.held))
    EXECUTE FUNCTION @extschema@.tg_availability_note();
CREATE CONSTRAINT TRIGGER items_availability_feed AFTER UPDATE OF on_hand, reserved, held ON @extschema@.items
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN ((OLD.on_hand OPERATOR(pg_catalog.-) OLD.reserved OPERATOR(pg_catalog.-) OLD.held)
          IS DISTINCT FROM (NEW.on_hand OPERATOR(pg_catalog.-) NEW.reserved OPERATOR(pg_catalog.-) NEW.held))
    EXECUTE FUNCTION @extschema@.tg_availability_feed();
ALTER TABLE @extschema@.items DISABLE TRIGGER items_availability, DISABLE TRIGGER items_availability_feed;

CREATE VIEW @extschema@.channel_stock AS
SELECT c.channel,
       i.sku,
       s.available,
       s.published,
       (s.published OPERATOR(pg_catalog.>) 0
        OR (c.backorders AND i.policy OPERATOR(pg_catalog.=) 'allow'::@extschema@.policy
            AND (i.backorder_limit IS NULL
                 OR i.backorder_limit OPERATOR(pg_catalog.>) i.backordered))) AS orderable
  FROM @extschema@.channels c
 CROSS JOIN @extschema@.items i
 CROSS JOIN LATERAL (
        SELECT a.available,
               GREATEST(0::bigint,
                   CAST(pg_catalog.floor(a.available::numeric OPERATOR(pg_catalog.*) c.share) AS bigint)
                   OPERATOR(pg_catalog.-) c.buffer) AS published
          FROM (SELECT i.on_hand OPERATOR(pg_catalog.-) i.reserved OPERATOR(pg_catalog.-) i.held AS available) a) s;
COMMENT ON VIEW @extschema@.channel_stock IS
  'Per channel and item: available, published = greatest(0, floor(available * share) - buffer), orderable';

REVOKE ALL ON @extschema@.channels FROM PUBLIC;
REVOKE ALL ON @extschema@.channel_stock FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.tg_channels_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.tg_availability_note() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.tg_availability_feed() FROM PUBLIC;
