-- examples/saleor/attach.sql: the DBA attaches the engine to Saleor's tables,
-- one call per table.  Run it as the owner of the tables (and a role that may
-- execute the attach functions; they are not granted to anyone by default).
-- Saleor itself changes nothing: it keeps writing where it always did.
CREATE EXTENSION IF NOT EXISTS backorder;

-- Every order line Saleor writes is placed: keyed by its uuid, the order is
-- the order's uuid, the sku is the one Saleor copies onto the line, the line
-- number is the next one of the order, and the line keeps its time.
SELECT backorder.attach_order_lines('public.order_orderline',
    order_id   => 'order_id',
    sku        => 'product_sku',
    quantity   => 'quantity',
    ordered_at => 'created_at');

-- Every fulfilment line ships units of the order line it names.
SELECT backorder.attach_shipments('public.order_fulfillmentline',
    order_line => 'order_line_id',
    quantity   => 'quantity');

-- Every goods receipt is a receipt: the sku is looked up on the variant
-- (name every table with its schema: expressions are resolved with
-- search_path = pg_catalog, pg_temp).
SELECT backorder.attach_receipts('public.warehouse_goodsreceipt',
    sku      => '(SELECT v.sku FROM public.product_productvariant v WHERE v.id = variant_id)',
    quantity => 'quantity',
    reference => '''goods receipt '' || id');

SELECT source, kind, definition FROM backorder.attachments ORDER BY kind;
