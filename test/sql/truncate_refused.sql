-- test/sql/truncate_refused.sql: TRUNCATE of any table of the extension
-- fails with BO006 and leaves its rows (SPEC.md, Schema); a reset is DROP
-- EXTENSION, which still works.
\set VERBOSITY terse
INSERT INTO backorder.items (sku) VALUES ('TR-1');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('TR-1', 2);
SELECT count(*) FROM backorder.place_order('TR-o1', '[{"line_no": 1, "sku": "TR-1", "quantity": 3}]');
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
VALUES ('TR-po', 'TR-1', 5, '2030-01-01');
INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES ('TR-o1', 1, 1);
INSERT INTO backorder.cancellations (order_id, line_no, quantity) VALUES ('TR-o1', 1, 1);
INSERT INTO backorder.adjustments (sku, delta, reason) VALUES ('TR-1', 1, 'count');
-- every table of the extension, one by one, and all at once (the
-- cascade notices are PostgreSQL's, left out)
SET client_min_messages = warning;
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c
              WHERE c.relnamespace = 'backorder'::regnamespace AND c.relkind = 'r'
              ORDER BY 1
    LOOP
        BEGIN
            EXECUTE format('TRUNCATE backorder.%I CASCADE', t);
            RAISE WARNING 'TRUNCATE % succeeded', t;
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'TRUNCATE %: %', t, SQLSTATE;
        END;
    END LOOP;
END
$$;
TRUNCATE backorder.receipts;
TRUNCATE backorder.items, backorder.order_lines CASCADE;
RESET client_min_messages;
-- nothing was emptied
SELECT (SELECT count(*) FROM backorder.items WHERE sku = 'TR-1') AS items,
       (SELECT count(*) FROM backorder.order_lines WHERE sku = 'TR-1') AS lines,
       (SELECT count(*) FROM backorder.receipts WHERE sku = 'TR-1') AS receipts,
       (SELECT count(*) FROM backorder.events WHERE sku = 'TR-1') AS events;
SELECT * FROM backorder.check();
-- DROP EXTENSION still resets
DROP EXTENSION backorder;
CREATE EXTENSION backorder;
SELECT count(*) AS items_after_reset FROM backorder.items;
