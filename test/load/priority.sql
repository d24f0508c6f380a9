-- test/load/priority.sql: raise or lower the priority of a waiting line of
-- one SKU (weight LOAD_PRIORITY_WEIGHT, default 5).
\set s (case when random(1, 100) <= 60 then random(1, 4) else random(5, 204) end)
\set prio random(0, 5)
UPDATE backorder.order_lines l SET priority = :prio
 WHERE (l.order_id, l.line_no) IN
       (SELECT order_id, line_no FROM backorder.order_lines
         WHERE sku = 'LD-' || :s AND backordered > 0 LIMIT 1);
