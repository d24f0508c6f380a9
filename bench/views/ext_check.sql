SELECT * FROM backorder.check();
