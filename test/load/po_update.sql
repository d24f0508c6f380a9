-- test/load/po_update.sql: the supplier changes an open purchase-order line
-- of one SKU: quantity -3 .. +3 (at least 1), date moved by -2 .. +2 days,
-- and one time in ten the line is cancelled.  The line is re-checked
-- once locked (a receipt may have closed it meanwhile: then nothing).
\set s (case when random(1, 100) <= 60 then random(1, 4) else random(5, 204) end)
\set dq random(-3, 3)
\set dd random(-2, 2)
\set cancel random(1, 10)
UPDATE backorder.purchase_orders po
   SET quantity = GREATEST(1, po.quantity + :dq),
       expected_at = po.expected_at + :dd * interval '1 day',
       status = CASE WHEN :cancel = 1 THEN 'cancelled' ELSE po.status END
 WHERE po.status = 'open'
   AND (po.purchase_order_id, po.sku) IN
       (SELECT purchase_order_id, sku FROM backorder.purchase_orders
         WHERE sku = 'LD-' || :s AND status = 'open' LIMIT 1);
