-- test/sql/attach_saleor.sql: SPEC.md "Attaching to a shop's own tables
-- (1.1)" on a subset of Saleor's schema (saleor/order/models.py and its
-- migrations, restated here: uuid keys, the sku copied onto the order line
-- as product_sku, fulfilments as order_fulfillment + order_fulfillmentline,
-- Django's foreign keys DEFERRABLE INITIALLY DEFERRED).  The application
-- role writes only to the shop's tables and has no grant on schema
-- backorder.  Runs in a database of its own, dropped at the end.
\set VERBOSITY terse
\set SHOW_CONTEXT never
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS backorder_attach_saleor;
DROP ROLE IF EXISTS bo_saleor_app;
DROP ROLE IF EXISTS bo_saleor_other;
RESET client_min_messages;
CREATE DATABASE backorder_attach_saleor;
\c backorder_attach_saleor
CREATE EXTENSION backorder;
SET TimeZone = 'UTC';
CREATE ROLE bo_saleor_app;
CREATE ROLE bo_saleor_other;

-- ---------------------------------------------------------------- the shop
CREATE TABLE public.product_productvariant (
    id          serial PRIMARY KEY,
    sku         varchar(255) UNIQUE,
    name        varchar(255) NOT NULL
);
CREATE TABLE public.order_order (
    id          uuid PRIMARY KEY,
    number      serial UNIQUE,
    created_at  timestamptz NOT NULL,
    status      varchar(32) NOT NULL,
    user_email  varchar(254) NOT NULL,
    currency    varchar(3) NOT NULL
);
CREATE TABLE public.order_orderline (
    id                    uuid PRIMARY KEY,
    order_id              uuid NOT NULL REFERENCES public.order_order (id) DEFERRABLE INITIALLY DEFERRED,
    variant_id            integer REFERENCES public.product_productvariant (id) DEFERRABLE INITIALLY DEFERRED,
    product_name          varchar(386) NOT NULL,
    product_sku           varchar(255),
    is_shipping_required  boolean NOT NULL,
    quantity              integer NOT NULL,
    quantity_fulfilled    integer NOT NULL,
    currency              varchar(3) NOT NULL,
    unit_price_gross_amount numeric(12,3) NOT NULL,
    created_at            timestamptz NOT NULL
);
CREATE INDEX ON public.order_orderline (order_id);
CREATE TABLE public.order_fulfillment (
    id                serial PRIMARY KEY,
    fulfillment_order integer NOT NULL CHECK (fulfillment_order >= 0),
    order_id          uuid NOT NULL REFERENCES public.order_order (id) DEFERRABLE INITIALLY DEFERRED,
    status            varchar(32) NOT NULL,
    tracking_number   varchar(255) NOT NULL,
    created_at        timestamptz NOT NULL
);
CREATE TABLE public.order_fulfillmentline (
    id             serial PRIMARY KEY,
    order_line_id  uuid NOT NULL REFERENCES public.order_orderline (id) DEFERRABLE INITIALLY DEFERRED,
    fulfillment_id integer NOT NULL REFERENCES public.order_fulfillment (id) DEFERRABLE INITIALLY DEFERRED,
    quantity       integer NOT NULL CHECK (quantity >= 0),
    stock_id       integer
);
CREATE TABLE public.order_orderevent (   -- no primary key: cannot be attached
    date timestamptz NOT NULL, type varchar(255) NOT NULL, order_id uuid NOT NULL);
CREATE VIEW public.order_lines_view AS SELECT * FROM public.order_orderline;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO bo_saleor_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO bo_saleor_app;

INSERT INTO public.product_productvariant (sku, name) VALUES
  ('TSHIRT-M', 'T-shirt M'), ('HOODIE-L', 'Hoodie L'), (NULL, 'Gift card');
INSERT INTO public.order_order (id, created_at, status, user_email, currency) VALUES
  ('00000000-0000-0000-0000-00000000a001', '2030-01-01 10:00+00', 'unfulfilled', 'ann@example.com', 'EUR'),
  ('00000000-0000-0000-0000-00000000a002', '2030-01-01 11:00+00', 'unfulfilled', 'bob@example.com', 'EUR'),
  ('00000000-0000-0000-0000-00000000a003', '2030-01-01 12:00+00', 'unfulfilled', 'cy@example.com', 'EUR');
-- a line written before the attach: never placed, its changes ignored
INSERT INTO public.order_orderline VALUES
  ('00000000-0000-0000-0000-0000000b0000', '00000000-0000-0000-0000-00000000a001', 1, 'T-shirt', 'TSHIRT-M',
   true, 9, 0, 'EUR', 10, '2029-12-31 09:00+00');

-- ---------------------------------------------------------------- attach
-- refused: no primary key, not a table, not the owner
SELECT backorder.attach_order_lines('public.order_orderevent', 'order_id', 'type', '1');
\echo :LAST_ERROR_SQLSTATE
SELECT backorder.attach_order_lines('public.order_lines_view', 'order_id', 'product_sku', 'quantity');
\echo :LAST_ERROR_SQLSTATE
GRANT USAGE ON SCHEMA backorder TO bo_saleor_other;
GRANT EXECUTE ON FUNCTION backorder.attach_order_lines(regclass, text, text, text, text, text, text),
  backorder.detach(regclass) TO bo_saleor_other;
SET ROLE bo_saleor_other;
SELECT backorder.attach_order_lines('public.order_orderline', 'order_id', 'product_sku', 'quantity');
\echo :LAST_ERROR_SQLSTATE
SELECT backorder.detach('public.order_orderline');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- refused: bad expressions, with PostgreSQL's own errors
SELECT backorder.attach_order_lines('public.order_orderline', 'order_id', 'sku', 'quantity');
\echo :LAST_ERROR_SQLSTATE
SELECT backorder.attach_order_lines('public.order_orderline', 'order_id', 'product_sku', 'quantity +');
\echo :LAST_ERROR_SQLSTATE
SELECT backorder.attach_order_lines('public.order_orderline', 'order_id', 'product_sku', 'created_at');
\echo :LAST_ERROR_SQLSTATE
-- tables in expressions are resolved with search_path = pg_catalog, pg_temp
SELECT backorder.attach_order_lines('public.order_orderline', 'order_id',
  '(SELECT v.sku FROM product_productvariant v WHERE v.id = variant_id)', 'quantity');
\echo :LAST_ERROR_SQLSTATE
-- one expression each: nothing smuggled in
SELECT backorder.attach_order_lines('public.order_orderline', 'order_id',
  'product_sku) FROM pg_catalog.pg_class WHERE (true', 'quantity');
\echo :LAST_ERROR_SQLSTATE
SELECT backorder.attach_order_lines('public.order_orderline', NULL, 'product_sku', 'quantity');
\echo :LAST_ERROR_SQLSTATE
-- nothing was left behind by the refusals
SELECT count(*) AS attachments FROM backorder.attachments;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'public.order_orderline'::regclass AND NOT tgisinternal;

-- the one call per table: the sku is on the line; the order is its uuid
SELECT backorder.attach_order_lines('public.order_orderline',
  order_id => 'order_id', sku => 'product_sku', quantity => 'quantity',
  ordered_at => 'created_at');
SELECT source, kind, definition FROM backorder.attachments;
-- attached twice, as any kind: 23505
SELECT backorder.attach_order_lines('public.order_orderline', 'order_id', 'product_sku', 'quantity');
\echo :LAST_ERROR_SQLSTATE
SELECT backorder.attach_receipts('public.order_orderline', 'product_sku', 'quantity');
\echo :LAST_ERROR_SQLSTATE
-- nobody writes the engine's records of it
INSERT INTO backorder.attachments (source, kind, definition) VALUES ('public.order_order', 'receipts', '{}');
\echo :LAST_ERROR_SQLSTATE
UPDATE backorder.attachments SET definition = '{}';
\echo :LAST_ERROR_SQLSTATE
DELETE FROM backorder.attachments;
\echo :LAST_ERROR_SQLSTATE
TRUNCATE backorder.attached_lines;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO backorder.attached_lines (source, row_key, order_id) VALUES ('public.order_orderline', 'x', 'y');
\echo :LAST_ERROR_SQLSTATE

-- stock: 5 T-shirts (allow), 1 hoodie (deny)
INSERT INTO backorder.items (sku) VALUES ('TSHIRT-M');
INSERT INTO backorder.items (sku, policy) VALUES ('HOODIE-L', 'deny');
INSERT INTO backorder.receipts (sku, quantity) VALUES ('TSHIRT-M', 5), ('HOODIE-L', 1);

-- ------------------------------------------ the application, unchanged
SET ROLE bo_saleor_app;
SELECT pg_catalog.has_schema_privilege('backorder', 'USAGE') AS app_sees_backorder;
SET search_path = public;
-- Ann: 3 T-shirts and 1 hoodie, in one checkout transaction
BEGIN;
INSERT INTO order_orderline VALUES
  ('00000000-0000-0000-0000-0000000b0001', '00000000-0000-0000-0000-00000000a001', 1, 'T-shirt', 'TSHIRT-M',
   true, 3, 0, 'EUR', 10, '2030-01-01 10:00+00'),
  ('00000000-0000-0000-0000-0000000b0002', '00000000-0000-0000-0000-00000000a001', 2, 'Hoodie', 'HOODIE-L',
   true, 1, 0, 'EUR', 40, '2030-01-01 10:00+00');
COMMIT;
-- Bob: 4 T-shirts (2 reserved, 2 wait)
INSERT INTO order_orderline VALUES
  ('00000000-0000-0000-0000-0000000b0003', '00000000-0000-0000-0000-00000000a002', 1, 'T-shirt', 'TSHIRT-M',
   true, 4, 0, 'EUR', 10, '2030-01-01 11:00+00');
-- Cy: a hoodie, none left, policy deny: the shop's INSERT is refused too
INSERT INTO order_orderline VALUES
  ('00000000-0000-0000-0000-0000000b0004', '00000000-0000-0000-0000-00000000a003', 2, 'Hoodie', 'HOODIE-L',
   true, 1, 0, 'EUR', 40, '2030-01-01 12:00+00');
\echo :LAST_ERROR_SQLSTATE
-- a gift card line without a sku: 23502, nothing written anywhere
INSERT INTO order_orderline VALUES
  ('00000000-0000-0000-0000-0000000b0005', '00000000-0000-0000-0000-00000000a003', 3, 'Gift card', NULL,
   false, 1, 0, 'EUR', 50, '2030-01-01 12:00+00');
\echo :LAST_ERROR_SQLSTATE
SELECT id, quantity FROM order_orderline ORDER BY id;
RESET search_path;
RESET ROLE;

SELECT order_id, line_no, sku, quantity, ordered_at, reserved, backordered, status
  FROM backorder.order_lines ORDER BY ordered_at, line_no;
-- keyed by the row's uuid; line_no is 1 + the order's highest line_no
SELECT source, row_key, order_id, line_no FROM backorder.attached_lines ORDER BY row_key;

-- ------------------------------------------ the application changes lines
SET ROLE bo_saleor_app;
-- Bob takes one T-shirt off: 1 unit cancelled (waiting ones first)
UPDATE public.order_orderline SET quantity = 3 WHERE id = '00000000-0000-0000-0000-0000000b0003';
-- other columns: ignored
UPDATE public.order_orderline SET product_name = 'T-shirt (M)', unit_price_gross_amount = 9
 WHERE id = '00000000-0000-0000-0000-0000000b0003';
-- more units, another sku, another order: BO006, the shop's row unchanged
UPDATE public.order_orderline SET quantity = 5 WHERE id = '00000000-0000-0000-0000-0000000b0003';
\echo :LAST_ERROR_SQLSTATE
UPDATE public.order_orderline SET product_sku = 'HOODIE-L' WHERE id = '00000000-0000-0000-0000-0000000b0003';
\echo :LAST_ERROR_SQLSTATE
UPDATE public.order_orderline SET order_id = '00000000-0000-0000-0000-00000000a001'
 WHERE id = '00000000-0000-0000-0000-0000000b0003';
\echo :LAST_ERROR_SQLSTATE
-- the row from before the attach: its changes and its deletion are ignored
UPDATE public.order_orderline SET quantity = 1 WHERE id = '00000000-0000-0000-0000-0000000b0000';
DELETE FROM public.order_orderline WHERE id = '00000000-0000-0000-0000-0000000b0000';
SELECT id, product_name, quantity FROM public.order_orderline ORDER BY id;
RESET ROLE;
SELECT order_id, line_no, quantity, reason FROM backorder.cancellations ORDER BY id;
SELECT order_id, line_no, quantity, reserved, backordered, cancelled, status
  FROM backorder.order_lines ORDER BY ordered_at, line_no;

-- ------------------------------------------ fulfilments are shipments
-- several attached order-line tables would need lines => ...; here there is one
SELECT backorder.attach_shipments('public.order_fulfillmentline', 'order_line_id', 'quantity');
SET ROLE bo_saleor_app;
BEGIN;
INSERT INTO public.order_fulfillment (fulfillment_order, order_id, status, tracking_number, created_at)
VALUES (1, '00000000-0000-0000-0000-00000000a001', 'fulfilled', 'TRK1', '2030-01-02 09:00+00');
INSERT INTO public.order_fulfillmentline (order_line_id, fulfillment_id, quantity) VALUES
  ('00000000-0000-0000-0000-0000000b0001', currval('order_fulfillment_id_seq'), 2),
  ('00000000-0000-0000-0000-0000000b0002', currval('order_fulfillment_id_seq'), 1);
UPDATE public.order_orderline SET quantity_fulfilled = quantity_fulfilled + 2
 WHERE id = '00000000-0000-0000-0000-0000000b0001';
COMMIT;
-- more than the line has reserved: BO003
INSERT INTO public.order_fulfillmentline (order_line_id, fulfillment_id, quantity)
VALUES ('00000000-0000-0000-0000-0000000b0003', 1, 3);
\echo :LAST_ERROR_SQLSTATE
-- a line the engine never placed: 23503
INSERT INTO public.order_fulfillmentline (order_line_id, fulfillment_id, quantity)
VALUES ('00000000-0000-0000-0000-0000000b0000', 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT order_line_id, quantity FROM public.order_fulfillmentline ORDER BY id;
-- lowering Ann's T-shirt line below what is shipped: BO004
UPDATE public.order_orderline SET quantity = 1 WHERE id = '00000000-0000-0000-0000-0000000b0001';
\echo :LAST_ERROR_SQLSTATE
-- Ann's order is deleted (Saleor deletes the lines first): every open unit
-- is cancelled, the engine's lines stay as the record
DELETE FROM public.order_fulfillmentline WHERE order_line_id IN
  ('00000000-0000-0000-0000-0000000b0001', '00000000-0000-0000-0000-0000000b0002');
DELETE FROM public.order_orderline WHERE order_id = '00000000-0000-0000-0000-00000000a001';
RESET ROLE;
SELECT order_id, line_no, quantity, shipped, cancelled, status FROM backorder.order_lines ORDER BY ordered_at, line_no;
SELECT order_id, line_no, quantity, reason FROM backorder.cancellations ORDER BY id;
SELECT order_id, line_no, quantity FROM backorder.shipments ORDER BY id;
-- Bob's waiting unit got the freed T-shirt
SELECT kind, order_id, line_no, sku, quantity FROM backorder.events ORDER BY id;
SELECT * FROM backorder.check();

-- ------------------------------------------ detach
SELECT backorder.detach('public.order_fulfillmentline');
SELECT backorder.detach('public.order_orderline');
SELECT backorder.detach('public.order_orderline');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS attachments FROM backorder.attachments;
SELECT count(*) AS attached_lines FROM backorder.attached_lines;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'public.order_orderline'::regclass AND NOT tgisinternal;
-- the shop writes freely again; lines placed before stay
INSERT INTO public.order_orderline VALUES
  ('00000000-0000-0000-0000-0000000b0009', '00000000-0000-0000-0000-00000000a003', 1, 'T-shirt', 'TSHIRT-M',
   true, 50, 0, 'EUR', 10, '2030-01-03 12:00+00');
SELECT count(*) AS engine_lines FROM backorder.order_lines;
-- and it can be attached again
SELECT backorder.attach_order_lines('public.order_orderline', 'order_id', 'product_sku', 'quantity');
SELECT kind, definition FROM backorder.attachments;

\c :regress_db
SET client_min_messages = warning;
DROP DATABASE backorder_attach_saleor;
DROP ROLE bo_saleor_app;
DROP ROLE bo_saleor_other;
