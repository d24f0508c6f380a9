-- sql/schema.sql: the tables of the backorder extension, their indexes and
-- the engine triggers bound to them.  Part of the install script: the
-- Makefile concatenates sql/*.sql (in a fixed order) into
-- backorder--<version>.sql.

\echo Use "CREATE EXTENSION backorder" to load this file. \quit

CREATE TYPE @extschema@.policy AS ENUM ('allow', 'deny');
COMMENT ON TYPE @extschema@.policy IS
  'allow: accept orders beyond stock as backorders; deny: refuse them (out of stock)';

-- Items: one pool of stock per sku.  on_hand, reserved and backordered are
-- engine columns: no default, filled by the engine's BEFORE INSERT trigger.
CREATE TABLE @extschema@.items (
    sku             text PRIMARY KEY
                    CONSTRAINT items_sku_length
                    CHECK (pg_catalog.char_length(sku) OPERATOR(pg_catalog.>=) 1
                           AND pg_catalog.char_length(sku) OPERATOR(pg_catalog.<=) 200),
    policy          @extschema@.policy NOT NULL DEFAULT 'allow',
    backorder_limit bigint CONSTRAINT items_backorder_limit_check
                    CHECK (backorder_limit OPERATOR(pg_catalog.>=) 0),
    lead_time       interval NOT NULL DEFAULT '14 days'
                    CONSTRAINT items_lead_time_check
                    CHECK (lead_time OPERATOR(pg_catalog.>=) '0'::interval),
    on_hand         bigint NOT NULL,
    reserved        bigint NOT NULL,
    backordered     bigint NOT NULL,
    CONSTRAINT items_stock_check
        CHECK (on_hand OPERATOR(pg_catalog.>=) 0
               AND reserved OPERATOR(pg_catalog.>=) 0
               AND reserved OPERATOR(pg_catalog.<=) on_hand
               AND backordered OPERATOR(pg_catalog.>=) 0)
);
COMMENT ON TABLE @extschema@.items IS 'Stock-keeping units: one pool of stock each';
COMMENT ON COLUMN @extschema@.items.backorder_limit IS 'most units that may wait at once; NULL = no limit';
COMMENT ON COLUMN @extschema@.items.lead_time IS 'replenishment time assumed when no purchase order covers a waiting unit';
COMMENT ON COLUMN @extschema@.items.on_hand IS 'engine: units physically in stock and not yet shipped';
COMMENT ON COLUMN @extschema@.items.reserved IS 'engine: on-hand units promised to order lines';
COMMENT ON COLUMN @extschema@.items.backordered IS 'engine: units ordered that wait for stock';

-- Expected supply.  received is an engine column; status is open on INSERT
-- and set to closed by the engine, cancelled by users.
CREATE TABLE @extschema@.purchase_orders (
    purchase_order_id text NOT NULL,
    sku             text NOT NULL REFERENCES @extschema@.items (sku),
    quantity        bigint NOT NULL CONSTRAINT purchase_orders_quantity_check
                    CHECK (quantity OPERATOR(pg_catalog.>) 0),
    ordered_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    expected_at     timestamptz NOT NULL,
    received        bigint NOT NULL,
    status          text NOT NULL DEFAULT 'open'
                    CONSTRAINT purchase_orders_status_check
                    CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['open', 'closed', 'cancelled'])),
    PRIMARY KEY (purchase_order_id, sku)
);
CREATE INDEX purchase_orders_open_idx ON @extschema@.purchase_orders (sku, expected_at, purchase_order_id)
    WHERE status OPERATOR(pg_catalog.=) 'open';
COMMENT ON TABLE @extschema@.purchase_orders IS 'Expected supply: purchase-order lines, one per (purchase_order_id, sku)';
COMMENT ON COLUMN @extschema@.purchase_orders.received IS 'engine: units received against this line';

-- Demand.
CREATE TABLE @extschema@.order_lines (
    order_id        text NOT NULL,
    line_no         integer NOT NULL CONSTRAINT order_lines_line_no_check
                    CHECK (line_no OPERATOR(pg_catalog.>) 0),
    sku             text NOT NULL REFERENCES @extschema@.items (sku),
    quantity        bigint NOT NULL CONSTRAINT order_lines_quantity_check
                    CHECK (quantity OPERATOR(pg_catalog.>) 0),
    priority        integer NOT NULL DEFAULT 0,
    ordered_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    reserved        bigint NOT NULL,
    backordered     bigint NOT NULL,
    shipped         bigint NOT NULL,
    cancelled       bigint NOT NULL,
    status          text NOT NULL CONSTRAINT order_lines_status_check
                    CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['reserved', 'backordered', 'shipped', 'cancelled'])),
    PRIMARY KEY (order_id, line_no),
    -- (a bad quantity is order_lines_quantity_check's to report)
    CONSTRAINT order_lines_identity_check
        CHECK (quantity OPERATOR(pg_catalog.<=) 0 OR reserved OPERATOR(pg_catalog.>=) 0 AND backordered OPERATOR(pg_catalog.>=) 0
               AND shipped OPERATOR(pg_catalog.>=) 0 AND cancelled OPERATOR(pg_catalog.>=) 0
               AND quantity OPERATOR(pg_catalog.=)
                   (reserved OPERATOR(pg_catalog.+) backordered
                    OPERATOR(pg_catalog.+) shipped OPERATOR(pg_catalog.+) cancelled))
);
-- (lines are found by sku through order_lines_sku_ordered_at_idx, made in
-- sql/analytics.sql: one index serves the engine and the analytics)
COMMENT ON TABLE @extschema@.order_lines IS 'Demand: order lines; quantity = reserved + backordered + shipped + cancelled';

-- The waiting queue.  Every column is an engine column.  ordered_at is the
-- line's ordered_at, copied here so that the fill order (priority DESC,
-- ordered_at, id) is one index.  The FK to order_lines is deferred because
-- the engine writes the row from the line's BEFORE INSERT trigger.
CREATE TABLE @extschema@.backorders (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    order_id        text NOT NULL,
    line_no         integer NOT NULL,
    sku             text NOT NULL REFERENCES @extschema@.items (sku),
    quantity        bigint NOT NULL,
    filled          bigint NOT NULL,
    cancelled       bigint NOT NULL,
    priority        integer NOT NULL,
    created_at      timestamptz NOT NULL,
    status          text NOT NULL CONSTRAINT backorders_status_check
                    CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['waiting', 'filled', 'cancelled'])),
    filled_at       timestamptz,
    expected_at     timestamptz,
    ordered_at      timestamptz NOT NULL,
    FOREIGN KEY (order_id, line_no) REFERENCES @extschema@.order_lines (order_id, line_no)
        DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT backorders_quantity_check
        CHECK (quantity OPERATOR(pg_catalog.>) 0 AND filled OPERATOR(pg_catalog.>=) 0
               AND cancelled OPERATOR(pg_catalog.>=) 0
               AND filled OPERATOR(pg_catalog.+) cancelled
                   OPERATOR(pg_catalog.<=) quantity)
);
CREATE INDEX backorders_queue_idx ON @extschema@.backorders (sku, priority DESC, ordered_at, id)
    WHERE status OPERATOR(pg_catalog.=) 'waiting';
CREATE INDEX backorders_promised_idx ON @extschema@.backorders (sku, priority DESC, ordered_at, id)
    WHERE status OPERATOR(pg_catalog.=) 'waiting' AND expected_at IS NOT NULL;
CREATE UNIQUE INDEX backorders_line_waiting_idx ON @extschema@.backorders (order_id, line_no)
    WHERE status OPERATOR(pg_catalog.=) 'waiting';
CREATE INDEX backorders_line_idx ON @extschema@.backorders (order_id, line_no);
COMMENT ON TABLE @extschema@.backorders IS 'The waiting queue: one row per spell of waiting of an order line';
COMMENT ON COLUMN @extschema@.backorders.ordered_at IS 'engine: copy of the line''s ordered_at, for the fill-order index';
COMMENT ON COLUMN @extschema@.backorders.expected_at IS 'promised date from purchase orders; NULL when none covers the row';

-- Ledgers: append-only.
CREATE TABLE @extschema@.receipts (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    sku             text NOT NULL REFERENCES @extschema@.items (sku),
    quantity        bigint NOT NULL CONSTRAINT receipts_quantity_check
                    CHECK (quantity OPERATOR(pg_catalog.>) 0),
    received_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    purchase_order_id text,
    reference       text,
    allocated       bigint NOT NULL,
    on_hand_after   bigint NOT NULL,
    FOREIGN KEY (purchase_order_id, sku) REFERENCES @extschema@.purchase_orders (purchase_order_id, sku)
);
CREATE INDEX receipts_sku_idx ON @extschema@.receipts (sku);
CREATE INDEX receipts_purchase_order_idx ON @extschema@.receipts (purchase_order_id, sku)
    WHERE purchase_order_id IS NOT NULL;
COMMENT ON TABLE @extschema@.receipts IS 'Ledger of goods received (append-only)';

CREATE TABLE @extschema@.shipments (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    order_id        text NOT NULL,
    line_no         integer NOT NULL,
    quantity        bigint NOT NULL CONSTRAINT shipments_quantity_check
                    CHECK (quantity OPERATOR(pg_catalog.>) 0),
    shipped_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    on_hand_after   bigint NOT NULL,
    FOREIGN KEY (order_id, line_no) REFERENCES @extschema@.order_lines (order_id, line_no)
);
CREATE INDEX shipments_line_idx ON @extschema@.shipments (order_id, line_no);
COMMENT ON TABLE @extschema@.shipments IS 'Ledger of shipped units (append-only)';

CREATE TABLE @extschema@.cancellations (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    order_id        text NOT NULL,
    line_no         integer NOT NULL,
    quantity        bigint NOT NULL CONSTRAINT cancellations_quantity_check
                    CHECK (quantity OPERATOR(pg_catalog.>) 0),
    reason          text,
    cancelled_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    waiting_cancelled  bigint NOT NULL,
    reserved_cancelled bigint NOT NULL,
    FOREIGN KEY (order_id, line_no) REFERENCES @extschema@.order_lines (order_id, line_no),
    CONSTRAINT cancellations_split_check
        CHECK (waiting_cancelled OPERATOR(pg_catalog.>=) 0 AND reserved_cancelled OPERATOR(pg_catalog.>=) 0
               AND waiting_cancelled OPERATOR(pg_catalog.+) reserved_cancelled
                   OPERATOR(pg_catalog.=) quantity)
);
CREATE INDEX cancellations_line_idx ON @extschema@.cancellations (order_id, line_no);
COMMENT ON TABLE @extschema@.cancellations IS 'Ledger of cancelled units (append-only); quantity NULL on INSERT cancels every open unit';

CREATE TABLE @extschema@.adjustments (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    sku             text NOT NULL REFERENCES @extschema@.items (sku),
    delta           bigint NOT NULL CONSTRAINT adjustments_delta_check
                    CHECK (delta OPERATOR(pg_catalog.<>) 0),
    reason          text NOT NULL,
    adjusted_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    allocated       bigint NOT NULL,
    taken_back      bigint NOT NULL,
    on_hand_after   bigint NOT NULL
);
CREATE INDEX adjustments_sku_idx ON @extschema@.adjustments (sku);
COMMENT ON TABLE @extschema@.adjustments IS 'Ledger of stock corrections (append-only): counts, damage, shrinkage';

-- The outbox.  claimed_at tracks claims (see claim_events).
CREATE TABLE @extschema@.events (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL,
    kind            text NOT NULL CONSTRAINT events_kind_check
                    CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['backordered', 'allocated', 'eta_changed', 'cancelled'])),
    order_id        text NOT NULL,
    line_no         integer NOT NULL,
    sku             text NOT NULL,
    quantity        bigint NOT NULL,
    expected_at     timestamptz,
    detail          jsonb,
    claimed_at      timestamptz
);
CREATE INDEX events_unclaimed_idx ON @extschema@.events (id) WHERE claimed_at IS NULL;
CREATE INDEX events_claimed_idx ON @extschema@.events (at) WHERE claimed_at IS NOT NULL;
COMMENT ON TABLE @extschema@.events IS 'Outbox of customer-facing events; consume with claim_events, clean with purge_events';
COMMENT ON COLUMN @extschema@.events.claimed_at IS 'engine: when a consumer claimed the event; NULL while unclaimed';

-- pg_dump must carry every row and every sequence position.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.items', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.purchase_orders', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.order_lines', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.backorders', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.receipts', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.shipments', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.cancellations', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.adjustments', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.events', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.backorders_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.receipts_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.shipments_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.cancellations_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.adjustments_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.events_id_seq', '');
-- sql/engine.sql: binds the C engine to the tables (triggers) and declares
-- the SQL-callable C functions.  Part of the install script.

-- Trigger functions (C).  Each one checks the trigger protocol itself.
CREATE FUNCTION @extschema@.tg_forbid() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_forbid' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_restore_only() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_restore_only' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_item_insert() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_item_insert' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_place() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_place' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_priority() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_priority' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_receive() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_receive' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_ship() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_ship' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_cancel() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_cancel' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_adjust() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_adjust' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_po_insert() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_po_insert' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_po_update() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_po_update' LANGUAGE C;
CREATE FUNCTION @extschema@.tg_eta_flush() RETURNS trigger
    AS 'MODULE_PATHNAME', 'backorder_tg_eta_flush' LANGUAGE C;

-- items
CREATE TRIGGER items_insert BEFORE INSERT ON @extschema@.items
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_item_insert();
CREATE TRIGGER items_engine_columns BEFORE UPDATE OF sku, on_hand, reserved, backordered ON @extschema@.items
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_forbid('users may update policy, backorder_limit and lead_time only');

-- purchase_orders
CREATE TRIGGER purchase_orders_insert BEFORE INSERT ON @extschema@.purchase_orders
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_po_insert();
CREATE TRIGGER purchase_orders_update BEFORE UPDATE ON @extschema@.purchase_orders
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_po_update();
CREATE TRIGGER purchase_orders_eta AFTER INSERT OR UPDATE ON @extschema@.purchase_orders
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_eta_flush();
CREATE TRIGGER purchase_orders_delete BEFORE DELETE ON @extschema@.purchase_orders
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('purchase-order lines are cancelled, not deleted');

-- order_lines
CREATE TRIGGER order_lines_place BEFORE INSERT ON @extschema@.order_lines
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_place();
CREATE TRIGGER order_lines_engine_columns BEFORE UPDATE OF order_id, line_no, sku, quantity, ordered_at,
    reserved, backordered, shipped, cancelled, status ON @extschema@.order_lines
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_forbid('users may update priority only; cancel instead');
CREATE TRIGGER order_lines_priority AFTER UPDATE OF priority ON @extschema@.order_lines
    FOR EACH ROW WHEN (OLD.priority IS DISTINCT FROM NEW.priority)
    EXECUTE FUNCTION @extschema@.tg_priority();
CREATE TRIGGER order_lines_eta AFTER UPDATE OF priority ON @extschema@.order_lines
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_eta_flush();
CREATE TRIGGER order_lines_delete BEFORE DELETE ON @extschema@.order_lines
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('order lines are cancelled, not deleted');

-- backorders and events: written by the engine alone (or restored)
CREATE TRIGGER backorders_insert BEFORE INSERT ON @extschema@.backorders
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_restore_only();
CREATE TRIGGER backorders_change BEFORE UPDATE OR DELETE ON @extschema@.backorders
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('the waiting queue is maintained by the engine');
CREATE TRIGGER events_insert BEFORE INSERT ON @extschema@.events
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_restore_only();
CREATE TRIGGER events_change BEFORE UPDATE OR DELETE ON @extschema@.events
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('use claim_events and purge_events');

-- ledgers: the engine applies each row on INSERT; they are append-only
CREATE TRIGGER receipts_apply BEFORE INSERT ON @extschema@.receipts
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_receive();
CREATE TRIGGER shipments_apply BEFORE INSERT ON @extschema@.shipments
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_ship();
CREATE TRIGGER cancellations_apply BEFORE INSERT ON @extschema@.cancellations
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_cancel();
CREATE TRIGGER adjustments_apply BEFORE INSERT ON @extschema@.adjustments
    FOR EACH ROW EXECUTE FUNCTION @extschema@.tg_adjust();
CREATE TRIGGER receipts_append_only BEFORE UPDATE OR DELETE ON @extschema@.receipts
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('ledgers are append-only');
CREATE TRIGGER shipments_append_only BEFORE UPDATE OR DELETE ON @extschema@.shipments
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('ledgers are append-only');
CREATE TRIGGER cancellations_append_only BEFORE UPDATE OR DELETE ON @extschema@.cancellations
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('ledgers are append-only');
CREATE TRIGGER adjustments_append_only BEFORE UPDATE OR DELETE ON @extschema@.adjustments
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('ledgers are append-only');

-- SQL-callable functions (C)
CREATE FUNCTION @extschema@.place_order(order_id text, lines jsonb)
    RETURNS SETOF @extschema@.order_lines
    AS 'MODULE_PATHNAME', 'backorder_place_order' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.place_order(text, jsonb) IS
  'Inserts the lines of one order as one statement, locking their items in sku order';

CREATE FUNCTION @extschema@.cancel_order(order_id text, reason text DEFAULT NULL)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'backorder_cancel_order' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.cancel_order(text, text) IS
  'Cancels every open unit of an order; returns the units cancelled';

CREATE FUNCTION @extschema@.claim_events(max_events integer DEFAULT 100)
    RETURNS SETOF @extschema@.events
    AS 'MODULE_PATHNAME', 'backorder_claim_events' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.claim_events(integer) IS
  'Claims and returns the oldest unclaimed events; concurrent callers never get the same event';

CREATE FUNCTION @extschema@.purge_events(older_than interval)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'backorder_purge_events' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.purge_events(interval) IS
  'Deletes claimed events older than the interval; returns how many';
-- sql/api.sql: check() and the privileges of the extension's objects.
-- Part of the install script.

CREATE FUNCTION @extschema@.check()
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
    SELECT i.sku, i.on_hand, i.reserved, i.backordered,
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
SELECT sku, format('backordered %s differs from the waiting units of its backorders = %s', backordered, queue_waiting)
  FROM stock WHERE backordered <> queue_waiting
UNION ALL
SELECT sku, format('backordered %s differs from the sum of its lines'' backordered = %s', backordered, lines_backordered)
  FROM stock WHERE backordered <> lines_backordered
UNION ALL
SELECT sku, format('available %s while %s units are backordered', on_hand - reserved, backordered)
  FROM stock WHERE on_hand - reserved > 0 AND backordered > 0
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
COMMENT ON FUNCTION @extschema@.check() IS
  'One row per broken invariant (none when the numbers are consistent)';

-- Nothing is granted to PUBLIC: the DBA grants an application role what
-- it needs (see README, "Privileges").
REVOKE ALL ON ALL TABLES IN SCHEMA @extschema@ FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA @extschema@ FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA @extschema@ FROM PUBLIC;
-- sql/views.sql: the DBA's views of stock, the waiting queue and lead
-- times.  Part of the install script.

CREATE VIEW @extschema@.stock_levels AS
SELECT i.sku,
       i.policy,
       i.on_hand,
       i.reserved,
       i.on_hand OPERATOR(pg_catalog.-) i.reserved AS available,
       i.backordered,
       COALESCE(s.incoming, 0)::bigint AS incoming,
       (i.on_hand OPERATOR(pg_catalog.-) i.reserved
        OPERATOR(pg_catalog.+) COALESCE(s.incoming, 0)::bigint
        OPERATOR(pg_catalog.-) i.backordered) AS projected,
       s.next_expected_at
  FROM @extschema@.items i
  LEFT JOIN LATERAL (
        SELECT pg_catalog.sum(p.quantity OPERATOR(pg_catalog.-) p.received) AS incoming,
               pg_catalog.min(p.expected_at) AS next_expected_at
          FROM @extschema@.purchase_orders p
         WHERE p.sku OPERATOR(pg_catalog.=) i.sku
           AND p.status OPERATOR(pg_catalog.=) 'open'
           AND p.quantity OPERATOR(pg_catalog.>) p.received) s ON true;
COMMENT ON VIEW @extschema@.stock_levels IS
  'Per item: on hand, reserved, available, backordered, incoming from open purchase orders, projected and next expected date';

CREATE VIEW @extschema@.waiting_orders AS
SELECT b.id AS backorder_id,
       b.order_id,
       b.line_no,
       b.sku,
       (b.quantity OPERATOR(pg_catalog.-) b.filled OPERATOR(pg_catalog.-) b.cancelled) AS waiting,
       b.priority,
       b.created_at AS waiting_since,
       pg_catalog.now() OPERATOR(pg_catalog.-) b.created_at AS waited,
       pg_catalog.row_number() OVER w AS queue_position,
       COALESCE(pg_catalog.sum(b.quantity OPERATOR(pg_catalog.-) b.filled OPERATOR(pg_catalog.-) b.cancelled)
                OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS units_ahead,
       COALESCE(b.expected_at, pg_catalog.now() OPERATOR(pg_catalog.+) i.lead_time) AS expected_at,
       CASE WHEN b.expected_at IS NULL THEN 'lead_time' ELSE 'purchase_order' END AS eta_source
  FROM @extschema@.backorders b
  JOIN @extschema@.items i ON i.sku OPERATOR(pg_catalog.=) b.sku
 WHERE b.status OPERATOR(pg_catalog.=) 'waiting'
WINDOW w AS (PARTITION BY b.sku ORDER BY b.priority DESC, b.ordered_at, b.id);
COMMENT ON VIEW @extschema@.waiting_orders IS
  'One row per waiting backorder, with its place in the SKU''s queue and its promised date';

CREATE VIEW @extschema@.lead_times AS
SELECT i.sku,
       i.lead_time,
       o.observed_lead_time,
       COALESCE(w.waiting_lines, 0)::bigint AS waiting_lines,
       COALESCE(w.waiting_units, 0)::bigint AS waiting_units,
       w.oldest_waiting_since,
       f.avg_wait,
       f.p90_wait,
       s.next_expected_at
  FROM @extschema@.items i
  LEFT JOIN LATERAL (
        SELECT pg_catalog.percentile_cont(0.5) WITHIN GROUP
                 (ORDER BY r.received_at OPERATOR(pg_catalog.-) p.ordered_at) AS observed_lead_time
          FROM @extschema@.receipts r
          JOIN @extschema@.purchase_orders p
            ON p.purchase_order_id OPERATOR(pg_catalog.=) r.purchase_order_id
           AND p.sku OPERATOR(pg_catalog.=) r.sku
         WHERE r.sku OPERATOR(pg_catalog.=) i.sku) o ON true
  LEFT JOIN LATERAL (
        SELECT pg_catalog.count(*) AS waiting_lines,
               pg_catalog.sum(b.quantity OPERATOR(pg_catalog.-) b.filled OPERATOR(pg_catalog.-) b.cancelled) AS waiting_units,
               pg_catalog.min(b.created_at) AS oldest_waiting_since
          FROM @extschema@.backorders b
         WHERE b.sku OPERATOR(pg_catalog.=) i.sku AND b.status OPERATOR(pg_catalog.=) 'waiting') w ON true
  LEFT JOIN LATERAL (
        SELECT pg_catalog.avg(b.filled_at OPERATOR(pg_catalog.-) b.created_at) AS avg_wait,
               pg_catalog.percentile_cont(0.9) WITHIN GROUP
                 (ORDER BY b.filled_at OPERATOR(pg_catalog.-) b.created_at) AS p90_wait
          FROM @extschema@.backorders b
         WHERE b.sku OPERATOR(pg_catalog.=) i.sku AND b.status OPERATOR(pg_catalog.=) 'filled') f ON true
  LEFT JOIN LATERAL (
        SELECT pg_catalog.min(p.expected_at) AS next_expected_at
          FROM @extschema@.purchase_orders p
         WHERE p.sku OPERATOR(pg_catalog.=) i.sku
           AND p.status OPERATOR(pg_catalog.=) 'open'
           AND p.quantity OPERATOR(pg_catalog.>) p.received) s ON true;
COMMENT ON VIEW @extschema@.lead_times IS
  'Per item: configured and observed lead time, what waits, how long filled backorders waited, next expected date';
-- sql/analytics.sql: analytics and replenishment: backorder_stats() (how
-- often and how long items backorder) and reorder_suggestions() (what to
-- buy, from demand, its spread and the lead time).  Part of the install
-- script.

-- Both functions read a SKU's order lines by time: one index range per
-- item, and with quantity included the scan need not visit the table.
-- Every column in it is immutable, so updates of a line stay HOT.
CREATE INDEX order_lines_sku_ordered_at_idx
    ON @extschema@.order_lines (sku, ordered_at) INCLUDE (quantity);

-- The inverse standard normal distribution function (src/stats.c).
CREATE FUNCTION @extschema@.normal_quantile(p float8)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'backorder_normal_quantile'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.normal_quantile(float8) IS
  'The standard normal quantile of p, 0 < p < 1: the z with P(Z <= z) = p';
REVOKE ALL ON FUNCTION @extschema@.normal_quantile(float8) FROM PUBLIC;

-- Per item with order lines placed at or after since: how many lines and
-- units backordered, how long their filled backorders waited, and what of
-- them still waits.
--
-- A backorder row carries its line's sku and ordered_at (engine copies of
-- columns that never change), so the rows of the lines placed since then
-- are found without joining order_lines; by the invariant that check()
-- verifies, a line's waiting units are the waiting units of its rows.
CREATE FUNCTION @extschema@.backorder_stats(
        since timestamptz DEFAULT pg_catalog.now() OPERATOR(pg_catalog.-) '90 days'::interval)
RETURNS TABLE (sku text,
               lines bigint,
               backordered_lines bigint,
               backorder_rate numeric,
               units bigint,
               backordered_units bigint,
               unit_fill_rate numeric,
               filled_backorders bigint,
               avg_wait interval,
               p90_wait interval,
               waiting_units bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    IF since IS NULL THEN
        RAISE EXCEPTION 'since must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass a timestamp, or leave the argument out for the last 90 days.';
    END IF;

    RETURN QUERY
    WITH demand AS (
        -- per item, its lines placed since then (order_lines_sku_ordered_at_idx)
        SELECT i.sku, d.lines, d.units
          FROM @extschema@.items i
         CROSS JOIN LATERAL (
               SELECT pg_catalog.count(*) AS lines,
                      pg_catalog.sum(l.quantity) AS units
                 FROM @extschema@.order_lines l
                WHERE l.sku OPERATOR(pg_catalog.=) i.sku
                  AND l.ordered_at OPERATOR(pg_catalog.>=) since) d
         WHERE d.lines OPERATOR(pg_catalog.>) 0),
    backordered_lines AS (
        SELECT bl.sku, pg_catalog.count(*) AS backordered_lines
          FROM (SELECT DISTINCT b.sku, b.order_id, b.line_no
                  FROM @extschema@.backorders b
                 WHERE b.ordered_at OPERATOR(pg_catalog.>=) since) bl
         GROUP BY bl.sku),
    backorders AS (
        SELECT b.sku,
               pg_catalog.sum(b.quantity) AS backordered_units,
               pg_catalog.count(*) FILTER (WHERE b.status OPERATOR(pg_catalog.=) 'filled')
                 AS filled_backorders,
               pg_catalog.avg(b.filled_at OPERATOR(pg_catalog.-) b.created_at)
                 FILTER (WHERE b.status OPERATOR(pg_catalog.=) 'filled') AS avg_wait,
               pg_catalog.percentile_cont(0.9) WITHIN GROUP
                 (ORDER BY b.filled_at OPERATOR(pg_catalog.-) b.created_at)
                 FILTER (WHERE b.status OPERATOR(pg_catalog.=) 'filled') AS p90_wait,
               pg_catalog.sum((b.quantity OPERATOR(pg_catalog.-) b.filled) OPERATOR(pg_catalog.-) b.cancelled)
                 FILTER (WHERE b.status OPERATOR(pg_catalog.=) 'waiting') AS waiting_units
          FROM @extschema@.backorders b
         WHERE b.ordered_at OPERATOR(pg_catalog.>=) since
         GROUP BY b.sku),
    stats AS (
        SELECT d.sku,
               d.lines,
               COALESCE(bl.backordered_lines, 0) AS backordered_lines,
               d.units,
               COALESCE(bo.backordered_units, 0) AS backordered_units,
               COALESCE(bo.filled_backorders, 0) AS filled_backorders,
               bo.avg_wait,
               bo.p90_wait,
               COALESCE(bo.waiting_units, 0) AS waiting_units
          FROM demand d
          LEFT JOIN backordered_lines bl ON bl.sku OPERATOR(pg_catalog.=) d.sku
          LEFT JOIN backorders bo ON bo.sku OPERATOR(pg_catalog.=) d.sku)
    SELECT s.sku,
           s.lines,
           s.backordered_lines,
           pg_catalog.trim_scale(s.backordered_lines::numeric OPERATOR(pg_catalog./) s.lines)
             AS backorder_rate,
           s.units::bigint,
           s.backordered_units::bigint,
           pg_catalog.trim_scale(GREATEST(0::numeric,
               1::numeric OPERATOR(pg_catalog.-)
               (s.backordered_units::numeric OPERATOR(pg_catalog./) s.units))) AS unit_fill_rate,
           s.filled_backorders,
           s.avg_wait,
           s.p90_wait,
           s.waiting_units::bigint
      FROM stats s
     ORDER BY 4 DESC, s.sku;
END
$$;
COMMENT ON FUNCTION @extschema@.backorder_stats(timestamptz) IS
  'Per item with order lines placed at or after since: lines and units, how many of them were backordered, '
  'how long their filled backorders waited (average, p90) and how many units still wait; '
  'sorted by backorder_rate DESC, sku';
REVOKE ALL ON FUNCTION @extschema@.backorder_stats(timestamptz) FROM PUBLIC;

-- Per item: the daily demand over the last horizon_days whole days before
-- today (session time zone; days without orders count as 0), its population
-- standard deviation, the lead time (observed median of purchase-order
-- receipts, else the configured one), and from them safety stock, reorder
-- point and the quantity to order now.
--
-- The figures are computed from exact integer sums: over N days with daily
-- totals d, S = sum(d) and Q = sum(d^2), the mean is S / N and the variance
-- (N Q - S^2) / N^2, so that ceil() never sees a rounded mean.
CREATE FUNCTION @extschema@.reorder_suggestions(
        horizon_days integer DEFAULT 90,
        service_level numeric DEFAULT 0.95)
RETURNS TABLE (sku text,
               daily_demand numeric,
               demand_stddev numeric,
               lead_time_days numeric,
               safety_stock bigint,
               reorder_point bigint,
               "position" bigint,
               suggested_quantity bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    n numeric := horizon_days;      -- days in the horizon
    z numeric;                      -- standard normal quantile of service_level
    first_day timestamptz;
    today timestamptz;
BEGIN
    IF horizon_days IS NULL THEN
        RAISE EXCEPTION 'horizon_days must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF service_level IS NULL THEN
        RAISE EXCEPTION 'service_level must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF horizon_days OPERATOR(pg_catalog.<=) 0
       OR horizon_days OPERATOR(pg_catalog.>) (CURRENT_DATE OPERATOR(pg_catalog.-) '4713-01-01 BC'::date) THEN
        RAISE EXCEPTION 'horizon_days % is out of range', horizon_days
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The horizon must be at least 1 day and start after 4713 BC.';
    END IF;
    IF service_level OPERATOR(pg_catalog.<) 0.5
       OR service_level OPERATOR(pg_catalog.>=) 1
       OR service_level::float8 OPERATOR(pg_catalog.>=) 1 THEN
        RAISE EXCEPTION 'service_level % is out of range', service_level
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The service level must be at least 0.5 and below 1.';
    END IF;

    z := @extschema@.normal_quantile(service_level::float8)::numeric;
    -- whole days before today, in the session's time zone
    today := CURRENT_DATE::timestamptz;
    first_day := (CURRENT_DATE OPERATOR(pg_catalog.-) horizon_days)::timestamptz;

    RETURN QUERY
    WITH demand AS (
        -- per item, S and Q of its daily totals (order_lines_sku_ordered_at_idx)
        SELECT i.sku, dm.s, dm.q
          FROM @extschema@.items i
         CROSS JOIN LATERAL (
               SELECT COALESCE(pg_catalog.sum(dt.total), 0) AS s,
                      COALESCE(pg_catalog.sum(dt.total OPERATOR(pg_catalog.*) dt.total), 0) AS q
                 FROM (SELECT pg_catalog.sum(l.quantity) AS total
                         FROM @extschema@.order_lines l
                        WHERE l.sku OPERATOR(pg_catalog.=) i.sku
                          AND l.ordered_at OPERATOR(pg_catalog.>=) first_day
                          AND l.ordered_at OPERATOR(pg_catalog.<) today
                        GROUP BY pg_catalog.date_trunc('day', l.ordered_at)) dt) dm),
    observed AS (
        SELECT r.sku,
               pg_catalog.percentile_cont(0.5) WITHIN GROUP
                 (ORDER BY r.received_at OPERATOR(pg_catalog.-) p.ordered_at) AS lead_time
          FROM @extschema@.receipts r
          JOIN @extschema@.purchase_orders p
            ON p.purchase_order_id OPERATOR(pg_catalog.=) r.purchase_order_id
           AND p.sku OPERATOR(pg_catalog.=) r.sku
         WHERE r.purchase_order_id IS NOT NULL
         GROUP BY r.sku),
    figures AS (
        SELECT sl.sku,
               dm.s,
               -- N^2 times the variance: N Q - S^2, an exact integer
               ((n OPERATOR(pg_catalog.*) dm.q) OPERATOR(pg_catalog.-) (dm.s OPERATOR(pg_catalog.*) dm.s))
                 AS n2var,
               -- lead time in seconds; a negative observed median
               -- (receipts dated before their purchase order) counts as 0
               GREATEST(0::numeric,
                   pg_catalog.extract('epoch', COALESCE(o.lead_time, i.lead_time))) AS secs,
               sl.projected AS position
          FROM @extschema@.stock_levels sl
          JOIN @extschema@.items i ON i.sku OPERATOR(pg_catalog.=) sl.sku
          JOIN demand dm ON dm.sku OPERATOR(pg_catalog.=) sl.sku
          LEFT JOIN observed o ON o.sku OPERATOR(pg_catalog.=) sl.sku),
    stock AS (
        SELECT f.sku,
               f.s OPERATOR(pg_catalog./) n AS daily_demand,
               pg_catalog.sqrt(f.n2var OPERATOR(pg_catalog./) (n OPERATOR(pg_catalog.*) n))
                 AS demand_stddev,
               f.secs OPERATOR(pg_catalog./) 86400 AS lead_time_days,
               -- z * stddev * sqrt(lead days) = z * sqrt(N^2 var * secs / (N^2 * 86400))
               pg_catalog.ceil(z OPERATOR(pg_catalog.*) pg_catalog.sqrt(
                   (f.n2var OPERATOR(pg_catalog.*) f.secs)
                   OPERATOR(pg_catalog./)
                   ((n OPERATOR(pg_catalog.*) n) OPERATOR(pg_catalog.*) 86400)))::bigint
                 AS safety_stock,
               -- daily demand * lead days = S * secs / (N * 86400)
               pg_catalog.ceil((f.s OPERATOR(pg_catalog.*) f.secs)
                   OPERATOR(pg_catalog./) (n OPERATOR(pg_catalog.*) 86400))::bigint
                 AS lead_time_demand,
               f.position
          FROM figures f),
    plan AS (
        SELECT st.*,
               (st.lead_time_demand OPERATOR(pg_catalog.+) st.safety_stock) AS reorder_point
          FROM stock st)
    SELECT p.sku,
           pg_catalog.trim_scale(p.daily_demand),
           pg_catalog.trim_scale(p.demand_stddev),
           pg_catalog.trim_scale(p.lead_time_days),
           p.safety_stock,
           p.reorder_point,
           p.position,
           CASE WHEN p.position OPERATOR(pg_catalog.<) p.reorder_point
                THEN (p.reorder_point OPERATOR(pg_catalog.-) p.position)
                ELSE 0 END::bigint
      FROM plan p
     ORDER BY p.sku;
END
$$;
COMMENT ON FUNCTION @extschema@.reorder_suggestions(integer, numeric) IS
  'Per item: mean and population standard deviation of daily demand over the last horizon_days whole days '
  '(cancelled units included, days without orders as 0), lead time in days (observed median, else configured), '
  'safety stock ceil(z * stddev * sqrt(lead time)) for the service level, reorder point, stock position '
  '(available + incoming - backordered) and the quantity to order now; sorted by sku';
REVOKE ALL ON FUNCTION @extschema@.reorder_suggestions(integer, numeric) FROM PUBLIC;
