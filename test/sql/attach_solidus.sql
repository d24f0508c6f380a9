-- test/sql/attach_solidus.sql: SPEC.md "Attaching to a shop's own tables
-- (1.1)" on a subset of Solidus's schema (core/db/migrate and
-- core/app/models/spree/line_item.rb, restated here): integer keys, the
-- order known by spree_orders.number, the sku found through spree_variants
-- with a subquery, line_no left to the engine.  Also: the lookups run with
-- the privileges of the role whose statement fired them, a multi-row
-- INSERT is served in the order of its rows, and runtime errors of the
-- expressions fail the shop's statement and leave every table as it was.
\set VERBOSITY terse
\set SHOW_CONTEXT never
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS backorder_attach_solidus;
DROP ROLE IF EXISTS bo_solidus_app;
RESET client_min_messages;
CREATE DATABASE backorder_attach_solidus;
\c backorder_attach_solidus
CREATE EXTENSION backorder;
SET TimeZone = 'UTC';
CREATE ROLE bo_solidus_app;

CREATE TABLE public.spree_orders (
    id           serial PRIMARY KEY,
    number       varchar(32),
    state        varchar,
    email        varchar,
    created_at   timestamp NOT NULL,
    updated_at   timestamp NOT NULL
);
CREATE UNIQUE INDEX index_spree_orders_on_number ON public.spree_orders (number);
CREATE TABLE public.spree_variants (
    id           serial PRIMARY KEY,
    sku          varchar DEFAULT '' NOT NULL,
    product_id   integer,
    is_master    boolean DEFAULT false,
    deleted_at   timestamp
);
CREATE TABLE public.spree_line_items (
    id           serial PRIMARY KEY,
    variant_id   integer,
    order_id     integer,
    quantity     integer NOT NULL,
    price        numeric(10,2) NOT NULL,
    created_at   timestamp NOT NULL,
    updated_at   timestamp NOT NULL,
    currency     varchar,
    cost_price   numeric(10,2),
    adjustment_total numeric(10,2) DEFAULT 0.0
);
CREATE INDEX index_spree_line_items_on_order_id ON public.spree_line_items (order_id);
CREATE INDEX index_spree_line_items_on_variant_id ON public.spree_line_items (variant_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON public.spree_orders, public.spree_line_items TO bo_solidus_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO bo_solidus_app;

INSERT INTO public.spree_variants (sku, product_id) VALUES ('MUG-BLUE', 1), ('MUG-RED', 2);
INSERT INTO public.spree_orders (number, state, email, created_at, updated_at) VALUES
  ('R100000001', 'complete', 'ann@example.com', '2030-01-01', '2030-01-01'),
  ('R100000002', 'complete', 'bob@example.com', '2030-01-01', '2030-01-01');
INSERT INTO backorder.items (sku, backorder_limit) VALUES ('MUG-BLUE', 3), ('MUG-RED', NULL);
INSERT INTO backorder.receipts (sku, quantity) VALUES ('MUG-BLUE', 2);

SELECT backorder.attach_order_lines('public.spree_line_items',
  order_id => '(SELECT o.number FROM public.spree_orders o WHERE o.id = order_id)',
  sku      => '(SELECT v.sku FROM public.spree_variants v WHERE v.id = variant_id)',
  quantity => 'quantity',
  ordered_at => 'created_at AT TIME ZONE ''UTC''');

-- the application role cannot read spree_variants: the lookup runs as it
SET ROLE bo_solidus_app;
INSERT INTO public.spree_line_items (variant_id, order_id, quantity, price, created_at, updated_at)
VALUES (1, 1, 1, 9.50, '2030-01-02 08:00', '2030-01-02 08:00');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT SELECT ON public.spree_variants TO bo_solidus_app;

SET ROLE bo_solidus_app;
-- one statement, three rows: served in the order they arrive; line numbers
-- are 1 + the order's highest line_no
INSERT INTO public.spree_line_items (variant_id, order_id, quantity, price, created_at, updated_at) VALUES
  (1, 1, 1, 9.50, '2030-01-02 08:00', '2030-01-02 08:00'),
  (2, 1, 4, 9.50, '2030-01-02 08:00', '2030-01-02 08:00'),
  (1, 1, 2, 9.50, '2030-01-02 08:00', '2030-01-02 08:00');
INSERT INTO public.spree_line_items (variant_id, order_id, quantity, price, created_at, updated_at)
VALUES (1, 2, 1, 9.50, '2030-01-02 09:00', '2030-01-02 09:00');
-- over the backorder limit of MUG-BLUE (3 units may wait): BO002
INSERT INTO public.spree_line_items (variant_id, order_id, quantity, price, created_at, updated_at)
VALUES (1, 2, 2, 9.50, '2030-01-02 09:00', '2030-01-02 09:00');
\echo :LAST_ERROR_SQLSTATE
-- a deleted variant: the lookup finds no sku, 23502
INSERT INTO public.spree_line_items (variant_id, order_id, quantity, price, created_at, updated_at)
VALUES (99, 2, 1, 9.50, '2030-01-02 09:00', '2030-01-02 09:00');
\echo :LAST_ERROR_SQLSTATE
-- a variant whose sku the engine does not know: 23503
RESET ROLE;
INSERT INTO public.spree_variants (sku, product_id) VALUES ('MUG-GREEN', 3);
SET ROLE bo_solidus_app;
INSERT INTO public.spree_line_items (variant_id, order_id, quantity, price, created_at, updated_at)
VALUES (3, 2, 1, 9.50, '2030-01-02 09:00', '2030-01-02 09:00');
\echo :LAST_ERROR_SQLSTATE
-- a line moved to another variant: the sku changes, BO006
UPDATE public.spree_line_items SET variant_id = 2 WHERE id = 2;
\echo :LAST_ERROR_SQLSTATE
-- Solidus's "remove one" and "remove line"
UPDATE public.spree_line_items SET quantity = 3, updated_at = '2030-01-02 10:00' WHERE id = 3;
DELETE FROM public.spree_line_items WHERE id = 4;
RESET ROLE;

SELECT id, variant_id, order_id, quantity FROM public.spree_line_items ORDER BY id;
SELECT source, row_key, order_id, line_no FROM backorder.attached_lines ORDER BY row_key::int;
SELECT order_id, line_no, sku, quantity, ordered_at, reserved, backordered, cancelled, status
  FROM backorder.order_lines ORDER BY order_id, line_no;
SELECT order_id, line_no, quantity, reason FROM backorder.cancellations ORDER BY id;
SELECT sku, on_hand, reserved, backordered FROM backorder.items ORDER BY sku;
SELECT * FROM backorder.check();

-- an ALTER TABLE of the source is seen by the next row (the kept plan is
-- dropped with the table's relcache entry)
ALTER TABLE public.spree_line_items ADD COLUMN promo_total numeric(10,2) DEFAULT 0.0;
ALTER TABLE public.spree_line_items DROP COLUMN cost_price;
INSERT INTO public.spree_line_items (variant_id, order_id, quantity, price, created_at, updated_at, promo_total)
VALUES (2, 2, 1, 9.50, '2030-01-03 09:00', '2030-01-03 09:00', 1);
SELECT order_id, line_no, sku, quantity, status FROM backorder.order_lines WHERE order_id = 'R100000002' ORDER BY line_no;
-- a renamed column the expressions use: the next row fails with PostgreSQL's error
ALTER TABLE public.spree_line_items RENAME COLUMN variant_id TO spree_variant_id;
INSERT INTO public.spree_line_items (spree_variant_id, order_id, quantity, price, created_at, updated_at)
VALUES (2, 2, 1, 9.50, '2030-01-03 09:00', '2030-01-03 09:00');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE public.spree_line_items RENAME COLUMN spree_variant_id TO variant_id;
INSERT INTO public.spree_line_items (variant_id, order_id, quantity, price, created_at, updated_at)
VALUES (2, 2, 1, 9.50, '2030-01-03 09:00', '2030-01-03 09:00');
SELECT count(*) AS lines FROM backorder.order_lines WHERE order_id = 'R100000002';

\c :regress_db
SET client_min_messages = warning;
DROP DATABASE backorder_attach_solidus;
DROP ROLE bo_solidus_app;
