-- test/load/adjust_down.sql: shrinkage: take 1 to 4 units (never more than
-- on hand was) off one SKU; reserved units beyond it are taken back.  A
-- racing shipment can lower on hand first: BO005, caught and reported.
\set s (case when random(1, 100) <= 60 then random(1, 4) else random(5, 204) end)
\set d random(1, 4)
DO $$
BEGIN
  INSERT INTO backorder.adjustments (sku, delta, reason)
  SELECT i.sku, -LEAST(i.on_hand, :d), 'load: shrinkage'
    FROM backorder.items i
   WHERE i.sku = 'LD-' || :s AND i.on_hand > 0;
EXCEPTION WHEN SQLSTATE 'BO005' THEN
  RAISE NOTICE 'load business error %', SQLSTATE;
END
$$;
