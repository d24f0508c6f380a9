-- test/load/cancel_order.sql: cancel a whole order that has a line open on
-- one SKU, through cancel_order (it locks the order's items in sku order,
-- then its lines, and cancels what is open then: it never fails with
-- BO004, so no error is caught here).
\set s (case when random(1, 100) <= 60 then random(1, 4) else random(5, 204) end)
SELECT backorder.cancel_order(l.order_id, 'load')
  FROM (SELECT order_id FROM backorder.order_lines
         WHERE sku = 'LD-' || :s AND reserved + backordered > 0
         LIMIT 1) l;
