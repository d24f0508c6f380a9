SELECT * FROM backorder.waiting_orders;
