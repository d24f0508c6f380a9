-- backorder 1.0 -> 1.1 upgrade (ALTER EXTENSION backorder UPDATE TO '1.1').
-- Hand-written: every change the 1.1 sources (sql/schema.sql ... ) make to
-- what 1.0 installed, so that an upgraded database ends with exactly the
-- objects of a fresh CREATE EXTENSION backorder VERSION '1.1'
-- (test/scripts/upgrade.sh compares them).
\echo Use "ALTER EXTENSION backorder UPDATE TO '1.1'" to load this file. \quit

-- ==== contract fixes (issue 10)
-- promises of the ledgers' SKUs are recomputed at the end of the statement
-- (after its last row lock: no deadlock with a priority update)
CREATE TRIGGER receipts_eta AFTER INSERT ON @extschema@.receipts
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_eta_flush();
CREATE TRIGGER cancellations_eta AFTER INSERT ON @extschema@.cancellations
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_eta_flush();
CREATE TRIGGER adjustments_eta AFTER INSERT ON @extschema@.adjustments
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.tg_eta_flush();
-- TRUNCATE of any table fails with BO006
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
-- reorder_suggestions runs as the owner: a caller needs no grant on
-- normal_quantile
ALTER FUNCTION @extschema@.reorder_suggestions(integer, numeric) SECURITY DEFINER;
