SELECT * FROM backorder.backorder_stats();
