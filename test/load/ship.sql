-- test/load/ship.sql: ship up to 3 reserved units of a line of one SKU
-- (none if no line of it has reserved units).  A racing shipment or
-- cancellation of the same line can leave fewer: BO003, caught and reported.
\set s (case when random(1, 100) <= 60 then random(1, 4) else random(5, 204) end)
\set q random(1, 3)
DO $$
BEGIN
  INSERT INTO backorder.shipments (order_id, line_no, quantity)
  SELECT l.order_id, l.line_no, LEAST(l.reserved, :q)
    FROM backorder.order_lines l
   WHERE l.sku = 'LD-' || :s AND l.reserved > 0
   LIMIT 1;
EXCEPTION WHEN SQLSTATE 'BO003' THEN
  RAISE NOTICE 'load business error %', SQLSTATE;
END
$$;
