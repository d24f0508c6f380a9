-- plpgsql, ext: move the purchase order of SKU :sku by a month (back and
-- forth), which re-promises every waiting row it covers.
UPDATE backorder.purchase_orders
   SET expected_at = CASE WHEN expected_at = '2030-01-01' THEN timestamptz '2030-02-01'
                          ELSE timestamptz '2030-01-01' END
 WHERE purchase_order_id = 'PO-E' AND sku = :sku;
