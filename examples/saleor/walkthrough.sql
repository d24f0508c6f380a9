-- examples/saleor/walkthrough.sql: what the shop sees.  Every statement on
-- public.* below is one Saleor already makes; the engine answers in the same
-- transaction.  Run after schema.sql and attach.sql:
--   psql -v ON_ERROR_STOP=0 -f examples/saleor/schema.sql -f examples/saleor/attach.sql \
--        -f examples/saleor/walkthrough.sql
\set ON_ERROR_STOP 0
SET TimeZone = 'UTC';

-- the catalogue, and the engine's items (a hoodie may not be backordered)
INSERT INTO public.product_productvariant (sku, name) VALUES ('TSHIRT-M', 'T-shirt M'), ('HOODIE-L', 'Hoodie L');
INSERT INTO backorder.items (sku) VALUES ('TSHIRT-M');
INSERT INTO backorder.items (sku, policy) VALUES ('HOODIE-L', 'deny');

-- goods come in: 2 T-shirts, 1 hoodie
INSERT INTO public.warehouse_goodsreceipt (variant_id, quantity) VALUES (1, 2), (2, 1);
SELECT sku, on_hand, available FROM backorder.stock_levels ORDER BY sku;

-- Ann checks out 3 T-shirts: 2 are reserved, 1 waits
BEGIN;
INSERT INTO public.order_order VALUES ('00000000-0000-0000-0000-0000000000a1', DEFAULT, now(), 'unfulfilled', 'ann@example.com', 'EUR');
INSERT INTO public.order_orderline VALUES ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1',
  1, 'T-shirt', 'TSHIRT-M', true, 3, 0, 'EUR', 10, now());
COMMIT;
SELECT order_id, line_no, sku, quantity, reserved, backordered, status FROM backorder.order_lines;

-- Bob wants 2 hoodies; there is 1 and hoodies are not backordered: Saleor's
-- own INSERT fails (BO001), so the refused line never exists in Saleor either
BEGIN;
INSERT INTO public.order_order VALUES ('00000000-0000-0000-0000-0000000000b2', DEFAULT, now(), 'unfulfilled', 'bob@example.com', 'EUR');
INSERT INTO public.order_orderline VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000b2',
  2, 'Hoodie', 'HOODIE-L', true, 2, 0, 'EUR', 40, now());
ROLLBACK;

-- Ann changes her mind about one T-shirt (Saleor lowers the quantity): the
-- waiting unit is cancelled
UPDATE public.order_orderline SET quantity = 2 WHERE id = '00000000-0000-0000-0000-000000000001';
SELECT order_id, line_no, quantity, reason FROM backorder.cancellations;

-- the warehouse fulfils the 2 reserved T-shirts
BEGIN;
INSERT INTO public.order_fulfillment (fulfillment_order, order_id, status, tracking_number, created_at)
VALUES (1, '00000000-0000-0000-0000-0000000000a1', 'fulfilled', 'TRACK-1', now());
INSERT INTO public.order_fulfillmentline (order_line_id, fulfillment_id, quantity)
VALUES ('00000000-0000-0000-0000-000000000001', currval('public.order_fulfillment_id_seq'), 2);
COMMIT;
SELECT order_id, line_no, quantity, shipped, status FROM backorder.order_lines;

-- what the customers are told (a mailer claims these: see README)
SELECT kind, order_id, line_no, sku, quantity FROM backorder.events ORDER BY id;
SELECT * FROM backorder.check();   -- no rows: every number adds up
