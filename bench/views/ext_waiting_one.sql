SELECT * FROM backorder.waiting_orders WHERE sku = 'V777';
