-- bench/bare.sql: the "bare" implementation, the floor of the benchmark.
--
-- What a developer writes without backorder features: the same items and
-- order_lines tables as the extension (same columns, constraints and
-- indexes, so the comparison measures the engine, not the schema), no
-- triggers.  Placing a line is one statement (bench/place_bare.sql): a
-- conditional UPDATE of the item and an INSERT of the line.
\set ON_ERROR_STOP on
CREATE SCHEMA backorder;
CREATE TYPE backorder.policy AS ENUM ('allow', 'deny');

CREATE TABLE backorder.items (
    sku             text PRIMARY KEY CHECK (char_length(sku) BETWEEN 1 AND 200),
    policy          backorder.policy NOT NULL DEFAULT 'allow',
    backorder_limit bigint CHECK (backorder_limit >= 0),
    lead_time       interval NOT NULL DEFAULT '14 days' CHECK (lead_time >= '0'::interval),
    on_hand         bigint NOT NULL,
    reserved        bigint NOT NULL,
    backordered     bigint NOT NULL,
    CHECK (on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand AND backordered >= 0)
);

CREATE TABLE backorder.order_lines (
    order_id    text NOT NULL,
    line_no     integer NOT NULL CHECK (line_no > 0),
    sku         text NOT NULL REFERENCES backorder.items (sku),
    quantity    bigint NOT NULL CHECK (quantity > 0),
    priority    integer NOT NULL DEFAULT 0,
    ordered_at  timestamptz NOT NULL DEFAULT now(),
    reserved    bigint NOT NULL,
    backordered bigint NOT NULL,
    shipped     bigint NOT NULL,
    cancelled   bigint NOT NULL,
    status      text NOT NULL CHECK (status IN ('reserved', 'backordered', 'shipped', 'cancelled')),
    PRIMARY KEY (order_id, line_no),
    CHECK (quantity <= 0
           OR (reserved >= 0 AND backordered >= 0 AND shipped >= 0 AND cancelled >= 0
               AND quantity = reserved + backordered + shipped + cancelled))
);
CREATE INDEX order_lines_sku_ordered_at_idx ON backorder.order_lines (sku, ordered_at) INCLUDE (quantity);
