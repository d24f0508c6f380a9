-- plpgsql, ext: the waiting queue of one SKU (pgbench -D sku=W20K).
SELECT * FROM backorder.waiting_orders WHERE sku = :sku;
