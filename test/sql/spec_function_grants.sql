-- test/sql/spec_function_grants.sql: a role granted EXECUTE on exactly the
-- functions SPEC.md names (and the other grants the contract lists) can
-- call every one of them, under any search_path: no internal helper needs
-- a grant of its own (SPEC.md, "Privileges and safety").
\set VERBOSITY terse
SET client_min_messages = warning;
DROP ROLE IF EXISTS backorder_spec_app;
RESET client_min_messages;
CREATE ROLE backorder_spec_app;
GRANT USAGE ON SCHEMA backorder TO backorder_spec_app;
GRANT SELECT ON ALL TABLES IN SCHEMA backorder TO backorder_spec_app;
GRANT INSERT ON backorder.items, backorder.order_lines, backorder.purchase_orders,
      backorder.receipts, backorder.shipments, backorder.cancellations, backorder.adjustments
   TO backorder_spec_app;
GRANT EXECUTE ON FUNCTION backorder.place_order(text, jsonb),
      backorder.cancel_order(text, text), backorder.claim_events(integer),
      backorder.purge_events(interval), backorder.check(),
      backorder.backorder_stats(timestamptz), backorder.reorder_suggestions(integer, numeric)
   TO backorder_spec_app;
SET ROLE backorder_spec_app;
INSERT INTO backorder.items (sku) VALUES ('GR-1');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('GR-1', 1);
SELECT count(*) FROM backorder.place_order('GR-o1', '[{"line_no": 1, "sku": "GR-1", "quantity": 3}]');
SET search_path = public;
SELECT sku, safety_stock, position FROM backorder.reorder_suggestions(30, 0.95) WHERE sku = 'GR-1';
SELECT sku, lines FROM backorder.backorder_stats() WHERE sku = 'GR-1';
SELECT count(*) FROM backorder.check();
SET search_path = '';
SELECT sku, safety_stock, position FROM backorder.reorder_suggestions() WHERE sku = 'GR-1';
SELECT backorder.cancel_order('GR-o1');
SELECT count(*) > 0 AS claimed FROM backorder.claim_events(10);
SELECT backorder.purge_events('0 seconds') >= 0 AS purged;
RESET search_path;
RESET ROLE;
DROP OWNED BY backorder_spec_app;
DROP ROLE backorder_spec_app;
