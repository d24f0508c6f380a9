-- test/load/cancel.sql: cancel open units of a line of one SKU: all of them
-- (quantity NULL) a third of the time, else 1 or 2.  A racing shipment or
-- cancellation can leave fewer open units: BO004, caught and reported.
\set s (case when random(1, 100) <= 60 then random(1, 4) else random(5, 204) end)
\set q random(0, 2)
DO $$
BEGIN
  INSERT INTO backorder.cancellations (order_id, line_no, quantity, reason)
  SELECT l.order_id, l.line_no, NULLIF(LEAST(l.reserved + l.backordered, :q), 0), 'load'
    FROM backorder.order_lines l
   WHERE l.sku = 'LD-' || :s AND l.reserved + l.backordered > 0
   LIMIT 1;
EXCEPTION WHEN SQLSTATE 'BO004' THEN
  RAISE NOTICE 'load business error %', SQLSTATE;
END
$$;
