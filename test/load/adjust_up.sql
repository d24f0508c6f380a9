-- test/load/adjust_up.sql: a stock count finds 1 to 4 more units of one SKU.
\set s (case when random(1, 100) <= 60 then random(1, 4) else random(5, 204) end)
\set d random(1, 4)
INSERT INTO backorder.adjustments (sku, delta, reason)
VALUES ('LD-' || :s, :d, 'load: count');
