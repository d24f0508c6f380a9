-- sql/holds.sql: cart holds (1.1): the holds table, its engine triggers,
-- place_order with a hold_id, release_hold and expire_holds (C, src/holds.c).
-- Part of the install script, after sql/engine.sql (it binds tg_forbid).

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

-- TRUNCATE refused, as on every table of the extension (1.1)
CREATE TRIGGER holds_truncate BEFORE TRUNCATE ON @extschema@.holds
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
