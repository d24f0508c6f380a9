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
-- The guards of engine columns are statement triggers: a row trigger
-- BEFORE UPDATE makes PostgreSQL lock each row once more before updating
-- it, which every engine update of an item or a line would pay.  They fire
-- when a statement names one of the columns in its SET list.
CREATE TRIGGER items_engine_columns BEFORE UPDATE OF sku, on_hand, reserved, backordered, held, next_hold_expiry ON @extschema@.items
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('users may update policy, backorder_limit and lead_time only');

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
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('users may update priority only; cancel instead');
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

-- ledgers: promises are recomputed at the end of the statement, after its
-- last row lock (src/backorder.h, lock order)
CREATE TRIGGER receipts_eta AFTER INSERT ON @extschema@.receipts
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_eta_flush();
CREATE TRIGGER cancellations_eta AFTER INSERT ON @extschema@.cancellations
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_eta_flush();
CREATE TRIGGER adjustments_eta AFTER INSERT ON @extschema@.adjustments
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_eta_flush();

-- TRUNCATE of any table fails (BO006): it would empty a ledger behind the
-- engine's back; a reset is DROP EXTENSION
CREATE TRIGGER items_truncate BEFORE TRUNCATE ON @extschema@.items
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER purchase_orders_truncate BEFORE TRUNCATE ON @extschema@.purchase_orders
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER order_lines_truncate BEFORE TRUNCATE ON @extschema@.order_lines
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER backorders_truncate BEFORE TRUNCATE ON @extschema@.backorders
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER receipts_truncate BEFORE TRUNCATE ON @extschema@.receipts
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER shipments_truncate BEFORE TRUNCATE ON @extschema@.shipments
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER cancellations_truncate BEFORE TRUNCATE ON @extschema@.cancellations
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER adjustments_truncate BEFORE TRUNCATE ON @extschema@.adjustments
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');
CREATE TRIGGER events_truncate BEFORE TRUNCATE ON @extschema@.events
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_forbid('a reset is DROP EXTENSION');

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
