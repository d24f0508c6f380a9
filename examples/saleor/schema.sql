-- examples/saleor/schema.sql: the part of Saleor's database the engine is
-- attached to, as Saleor's Django models create it (saleor/order/models.py,
-- saleor/product/models.py, saleor/warehouse/models.py), cut down to the
-- columns that matter here.  In a real Saleor database these tables exist
-- already: skip this file.
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
-- Saleor keeps no ledger of goods received; a small one for the warehouse
-- team (or a purchasing app) to write into:
CREATE TABLE public.warehouse_goodsreceipt (
    id          bigserial PRIMARY KEY,
    variant_id  integer NOT NULL REFERENCES public.product_productvariant (id),
    quantity    integer NOT NULL CHECK (quantity > 0),
    po_number   text,
    received_at timestamptz NOT NULL DEFAULT now()
);
