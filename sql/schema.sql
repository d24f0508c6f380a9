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
               AND backordered OPERATOR(pg_catalog.>=) 0),
    -- (1.1, cart holds: new columns come last, as ALTER TABLE adds them)
    held            bigint NOT NULL,
    next_hold_expiry timestamptz,
    CONSTRAINT items_held_check
        CHECK (held OPERATOR(pg_catalog.>=) 0
               AND reserved OPERATOR(pg_catalog.+) held OPERATOR(pg_catalog.<=) on_hand)
);
COMMENT ON TABLE @extschema@.items IS 'Stock-keeping units: one pool of stock each';
COMMENT ON COLUMN @extschema@.items.backorder_limit IS 'most units that may wait at once; NULL = no limit';
COMMENT ON COLUMN @extschema@.items.lead_time IS 'replenishment time assumed when no purchase order covers a waiting unit';
COMMENT ON COLUMN @extschema@.items.on_hand IS 'engine: units physically in stock and not yet shipped';
COMMENT ON COLUMN @extschema@.items.reserved IS 'engine: on-hand units promised to order lines';
COMMENT ON COLUMN @extschema@.items.backordered IS 'engine: units ordered that wait for stock';
COMMENT ON COLUMN @extschema@.items.held IS 'engine: units of on-hand stock kept for carts by active holds';
COMMENT ON COLUMN @extschema@.items.next_hold_expiry IS
  'engine (internal): never later than the earliest expires_at of the item''s active holds, NULL when it has none; lets an order skip the expiry check';

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
) WITH (fillfactor = 60);   -- room on each page for the new versions of a date change (HOT)
-- One index serves the queue walks (sku = $1 AND status = 'waiting', in
-- fill order) and the per-SKU history of the views (status = 'filled').
-- expected_at is in no index and no index predicate, so a date change can
-- be a HOT update (issue 11).
CREATE INDEX backorders_queue_idx ON @extschema@.backorders (sku, status, priority DESC, ordered_at, id);
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
                    CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['backordered', 'allocated', 'eta_changed', 'cancelled',
                                                    'availability_changed'])),
    order_id        text,                       -- NULL for availability_changed (1.1)
    line_no         integer,
    sku             text NOT NULL,
    quantity        bigint NOT NULL,
    expected_at     timestamptz,
    detail          jsonb,
    claimed_at      timestamptz
);
-- claim_events reads the unclaimed events in id order through
-- events_unclaimed_idx; purge_events (a cold path that deletes in bulk)
-- scans the table, so an event costs two index entries, not three.
CREATE INDEX events_unclaimed_idx ON @extschema@.events (id) WHERE claimed_at IS NULL;
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
