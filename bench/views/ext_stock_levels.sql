SELECT * FROM backorder.stock_levels;
