-- test/sql/attach_homegrown.sql: SPEC.md "Attaching to a shop's own
-- tables (1.1)" on a home-grown shop: order_items with a composite primary
-- key (order_no, line) and the quantity typed in as text, shipped_items
-- naming the line by that key (a row literal), stock_movements as goods
-- receipts, and two order-line tables (a shipment table must then say which
-- one it ships).
\set VERBOSITY terse
\set SHOW_CONTEXT never
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS backorder_attach_homegrown;
RESET client_min_messages;
CREATE DATABASE backorder_attach_homegrown;
\c backorder_attach_homegrown
CREATE EXTENSION backorder;
SET TimeZone = 'UTC';

CREATE SCHEMA shop;
CREATE TABLE shop.order_items (
    order_no   integer NOT NULL,
    line       smallint NOT NULL,
    article    text NOT NULL,
    qty        varchar(10) NOT NULL,     -- typed in by hand, once upon a time
    rush       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (order_no, line)
);
CREATE TABLE shop.phone_orders (            -- a second order-line table
    ref        text PRIMARY KEY,
    article    text NOT NULL,
    qty        integer NOT NULL
);
CREATE TABLE shop.shipped_items (
    id         bigserial PRIMARY KEY,
    order_no   integer NOT NULL,
    line       smallint NOT NULL,
    qty        integer NOT NULL,
    FOREIGN KEY (order_no, line) REFERENCES shop.order_items
);
CREATE TABLE shop.stock_movements (
    id         bigserial PRIMARY KEY,
    article    text NOT NULL,
    qty        integer NOT NULL,
    supplier_po text,
    note       text
);

INSERT INTO backorder.items (sku) VALUES ('BOLT-M8'), ('NUT-M8');
INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at)
VALUES ('PO-1', 'BOLT-M8', 100, '2031-01-01 00:00+00');

SELECT backorder.attach_order_lines('shop.order_items',
  order_id => 'order_no', sku => 'article', quantity => 'qty', line_no => 'line',
  priority => 'CASE WHEN rush THEN 10 ELSE 0 END');
SELECT backorder.attach_order_lines('shop.phone_orders', '''phone-'' || ref', 'article', 'qty');
SELECT backorder.attach_receipts('shop.stock_movements', 'article', 'qty',
  purchase_order_id => 'supplier_po', reference => '''movement '' || id');
-- two order-line tables: a shipment table must name one
SELECT backorder.attach_shipments('shop.shipped_items', 'ROW(order_no, line)::text', 'qty');
\echo :LAST_ERROR_SQLSTATE
SELECT backorder.attach_shipments('shop.shipped_items', 'ROW(order_no, line)::text', 'qty',
  lines => 'shop.stock_movements');
\echo :LAST_ERROR_SQLSTATE
SELECT backorder.attach_shipments('shop.shipped_items', 'ROW(order_no, line)::text', 'qty',
  lines => 'shop.order_items');
SELECT source, kind, lines FROM backorder.attachments ORDER BY source::text;

INSERT INTO shop.stock_movements (article, qty, supplier_po) VALUES ('BOLT-M8', 10, 'PO-1');
INSERT INTO shop.stock_movements (article, qty, note) VALUES ('NUT-M8', 5, 'found in the back');
INSERT INTO shop.order_items VALUES (1001, 1, 'BOLT-M8', '6', false), (1001, 2, 'NUT-M8', '5 ', false);
INSERT INTO shop.order_items VALUES (1002, 1, 'BOLT-M8', '8', true);
-- a quantity that is not a number: 22P02, nothing written anywhere
INSERT INTO shop.order_items VALUES (1003, 1, 'BOLT-M8', 'two', false);
\echo :LAST_ERROR_SQLSTATE
-- a line number the engine refuses (line_no > 0): 23514
INSERT INTO shop.order_items VALUES (1003, 0, 'BOLT-M8', '1', false);
\echo :LAST_ERROR_SQLSTATE
-- a receipt against a purchase order without that sku: 23503
INSERT INTO shop.stock_movements (article, qty, supplier_po) VALUES ('NUT-M8', 5, 'PO-1');
\echo :LAST_ERROR_SQLSTATE
-- a negative movement is no receipt: 23514
INSERT INTO shop.stock_movements (article, qty) VALUES ('NUT-M8', -1);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO shop.phone_orders VALUES ('A7', 'NUT-M8', 1);
SELECT order_no, line, qty FROM shop.order_items ORDER BY 1, 2;
SELECT count(*) AS movements FROM shop.stock_movements;

-- keyed by the composite key as a row literal
SELECT source, row_key, order_id, line_no FROM backorder.attached_lines ORDER BY source::text, row_key;
SELECT order_id, line_no, sku, quantity, priority, reserved, backordered, status
  FROM backorder.order_lines ORDER BY order_id, line_no;
SELECT sku, quantity, purchase_order_id, reference, allocated FROM backorder.receipts ORDER BY id;

-- ship through the composite key
INSERT INTO shop.shipped_items (order_no, line, qty) VALUES (1002, 1, 8);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO shop.shipped_items (order_no, line, qty) VALUES (1001, 1, 1);
SELECT order_id, line_no, quantity, on_hand_after FROM backorder.shipments ORDER BY id;

-- a quantity lowered by hand is a cancellation; raised, or the line moved: BO006
UPDATE shop.order_items SET qty = '4' WHERE (order_no, line) = (1001, 1);
UPDATE shop.order_items SET qty = '7' WHERE (order_no, line) = (1001, 1);
\echo :LAST_ERROR_SQLSTATE
UPDATE shop.order_items SET line = 3 WHERE (order_no, line) = (1001, 2);
\echo :LAST_ERROR_SQLSTATE
-- a whitespace change to the typed-in quantity is no change
UPDATE shop.order_items SET qty = '5' WHERE (order_no, line) = (1001, 2);
-- an order deleted as a whole: every open unit of its lines cancelled
DELETE FROM shop.order_items WHERE order_no = 1002;
SELECT order_id, line_no, quantity, reason FROM backorder.cancellations ORDER BY id;
SELECT order_id, line_no, quantity, reserved, backordered, shipped, cancelled, status
  FROM backorder.order_lines ORDER BY order_id, line_no;
SELECT * FROM backorder.check();

-- detach one: the others keep flowing
SELECT backorder.detach('shop.stock_movements');
INSERT INTO shop.stock_movements (article, qty) VALUES ('NUT-M8', 5);
INSERT INTO shop.phone_orders VALUES ('A8', 'NUT-M8', 1);
SELECT count(*) AS receipts FROM backorder.receipts;
SELECT count(*) AS lines FROM backorder.order_lines;

-- a dropped shop table takes its attachment with it; placed lines stay
DROP TABLE shop.phone_orders;
SELECT source, kind FROM backorder.attachments ORDER BY source::text;
SELECT source, count(*) FROM backorder.attached_lines GROUP BY source ORDER BY source::text;
SELECT count(*) AS phone_lines FROM backorder.order_lines WHERE order_id LIKE 'phone-%';

-- the extension goes, and the triggers on the shop's tables with it
DROP EXTENSION backorder CASCADE;
SELECT tgrelid::regclass, tgname FROM pg_trigger WHERE tgname = 'backorder_attached';
INSERT INTO shop.order_items VALUES (1004, 1, 'BOLT-M8', '1', false);

\c :regress_db
SET client_min_messages = warning;
DROP DATABASE backorder_attach_homegrown;
