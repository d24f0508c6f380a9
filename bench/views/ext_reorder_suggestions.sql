SELECT * FROM backorder.reorder_suggestions();
